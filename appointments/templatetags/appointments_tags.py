"""Cards other apps' pages include: the patient's next visit, a doctor's reviews and rating.

Each tag wraps one function of appointments.summaries and renders one partial. The staff
dashboard's cards are panels instead (appointments/panels.py, registered in ready()).
"""

from django import template
from django.conf import settings
from django.core.paginator import Paginator

from appointments import summaries
from appointments.models import Review

register = template.Library()


@register.inclusion_tag("appointments/partials/patient_next_appointment.html")
def patient_next_appointment(user):
    return {"appointment": summaries.patient_next_appointment(user)}


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
