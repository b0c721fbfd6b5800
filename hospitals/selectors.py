"""Reads about hospitals used by more than one page or API."""

from django.db.models import Prefetch, Q

from accounts.models import DoctorProfile

from .models import Hospital, Membership


def listed_doctors():
    """Doctors with at least one bookable membership, with those memberships as ``user.listed_memberships``."""
    bookable = Membership.objects.bookable().select_related("hospital", "department").order_by("hospital__name")
    return (
        DoctorProfile.objects.filter(user__memberships__in=Membership.objects.bookable())
        .distinct()
        .select_related("user")
        .prefetch_related(Prefetch("user__memberships", queryset=bookable, to_attr="listed_memberships"))
    )


def search_doctors(text: str = "", *, city: str = ""):
    """Listed doctors, by name (A–Z), whose name, specialisation, department, hospital or city has
    ``text``, practising in ``city`` if given. The public doctor page and the API both use it."""
    doctors = listed_doctors()
    text = (text or "").strip()[:100]
    if text:
        doctors = doctors.filter(user__memberships__in=Membership.objects.bookable().filter(
            Q(user__full_name__icontains=text) | Q(user__doctor_profile__specialisation__icontains=text)
            | Q(department__name__icontains=text) | Q(hospital__name__icontains=text)
            | Q(hospital__city__icontains=text)
        ))
    if city:
        doctors = doctors.filter(user__memberships__in=Membership.objects.bookable().filter(hospital__city__iexact=city))
    return doctors.order_by("user__full_name")


def listing_gaps(hospital: Hospital) -> list[str]:
    """What keeps ``hospital`` off the public pages, in the order to fix it; empty when it is listed.

    Codes: ``suspended``, ``awaiting_approval`` (the operator has not approved it yet),
    ``department`` (no active department), ``doctor`` (no approved doctor in an active
    department). Built from the pieces of ``Hospital.objects.listed()``: a hospital read with
    ``Hospital.objects.with_listing_facts()`` costs no query, any other one query.
    """
    if not hasattr(hospital, "has_doctor_in_active_department"):
        hospital = Hospital.objects.with_listing_facts().get(pk=hospital.pk)
    gaps = []
    if hospital.status == Hospital.Status.SUSPENDED:
        gaps.append("suspended")
    elif hospital.status != Hospital.Status.APPROVED:
        gaps.append("awaiting_approval")
    if not hospital.has_active_department:
        gaps.append("department")
    if not hospital.has_doctor_in_active_department:
        gaps.append("doctor")
    return gaps


def doctor_hospitals(user) -> dict:
    """The doctor's applications and memberships, newest first, with their hospital and department."""
    return {"applications": Membership.objects.filter(user=user, role=Membership.Role.DOCTOR)
            .select_related("hospital", "department").order_by("-created_at")}
