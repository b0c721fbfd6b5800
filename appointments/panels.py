"""What appointments shows on other apps' pages: the staff dashboard's panels and the doctor page's sections,
the selectors registered with their templates in ready()."""

from healthstack.pages import paginate

from . import summaries
from .models import Review


def reception_today(*, hospital, user, memberships) -> dict:
    return {"hospital": hospital, **summaries.reception_today(hospital)}


def doctor_today(*, hospital, user, memberships) -> dict:
    membership = memberships["doctor"]
    return {"membership": membership, **summaries.doctor_today(membership)}


def doctor_upcoming(*, hospital, user, memberships) -> dict:
    membership = memberships["doctor"]
    return {"membership": membership, "appointments": summaries.doctor_upcoming(membership)}


def doctor_recent_patients(*, hospital, user, memberships) -> dict:
    membership = memberships["doctor"]
    return {"membership": membership, "recent": summaries.doctor_recent_patients(membership)}


def patient_next_appointment(user) -> dict:
    return {"appointment": summaries.patient_next_appointment(user)}


def doctor_rating(*, doctor, request) -> dict:
    return {"summary": summaries.doctor_review_summary(doctor)}


def doctor_reviews(*, doctor, request) -> dict:
    """Average, count and one page (``?page=``) of the doctor's reviews from every hospital."""
    reviews = Review.objects.for_doctor(doctor).select_related("patient", "hospital")
    page_obj = paginate(request, reviews)
    return {"summary": summaries.doctor_review_summary(doctor), "page_obj": page_obj}


def booking_button(*, doctor, request, membership) -> dict:
    return {"membership": membership}
