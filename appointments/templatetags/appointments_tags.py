"""Cards other apps' pages include: the patient's next visit, a doctor's day, reception counts, reviews.

Each tag wraps one function of appointments.summaries and renders one partial, so a page
needs only ``{% load appointments_tags %}`` and one tag, and no view changes.
"""

from django import template
from django.conf import settings
from django.core.paginator import Paginator

from appointments import summaries
from appointments.models import Review
from hospitals.models import Membership

register = template.Library()


@register.inclusion_tag("appointments/partials/patient_next_appointment.html")
def patient_next_appointment(user):
    return {"appointment": summaries.patient_next_appointment(user)}


@register.inclusion_tag("appointments/partials/doctor_today.html")
def doctor_today(membership):
    return {"membership": membership, **summaries.doctor_today(membership)}


@register.inclusion_tag("appointments/partials/doctor_today.html")
def doctor_today_at(hospital, user):
    """The same card, for the user's approved doctor membership at ``hospital`` (nothing if none)."""
    membership = Membership.objects.for_hospital(hospital).doctors().approved().filter(user=user).first()
    return doctor_today(membership) if membership else {"membership": None}


@register.inclusion_tag("appointments/partials/doctor_upcoming.html")
def doctor_upcoming(membership):
    return {"membership": membership, "appointments": summaries.doctor_upcoming(membership)}


@register.inclusion_tag("appointments/partials/doctor_recent_patients.html")
def doctor_recent_patients(membership):
    return {"membership": membership, "recent": summaries.doctor_recent_patients(membership)}


@register.inclusion_tag("appointments/partials/reception_today.html")
def reception_today(hospital):
    return {"hospital": hospital, **summaries.reception_today(hospital)}


@register.inclusion_tag("appointments/partials/reviews.html", takes_context=True)
def doctor_reviews(context, doctor_profile):
    """Average, count and one page (``?page=``) of the doctor's reviews from every hospital."""
    request = context.get("request")
    reviews = Review.objects.for_doctor(doctor_profile).select_related("patient", "hospital")
    page_obj = Paginator(reviews, settings.PAGE_SIZE).get_page(request.GET.get("page") if request else 1)
    return {"request": request, "summary": summaries.doctor_review_summary(doctor_profile), "page_obj": page_obj}


@register.inclusion_tag("appointments/partials/rating_summary.html")
def doctor_rating(doctor_profile):
    return {"summary": summaries.doctor_review_summary(doctor_profile)}
