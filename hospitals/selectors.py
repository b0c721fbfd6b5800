"""Reads about hospitals used by more than one page."""

from django.db.models import Prefetch

from accounts.models import DoctorProfile

from .models import Department, Hospital, Membership


def listing_gaps(hospital: Hospital) -> list[str]:
    """What keeps ``hospital`` off the public pages, in the order to fix it; empty when it is listed.

    Codes: ``suspended``, ``awaiting_approval`` (the operator has not approved it yet),
    ``department`` (no active department), ``doctor`` (no approved doctor in an active
    department). Mirrors ``Hospital.objects.listed()``.
    """
    gaps = []
    if hospital.status == Hospital.Status.SUSPENDED:
        gaps.append("suspended")
    elif hospital.status != Hospital.Status.APPROVED:
        gaps.append("awaiting_approval")
    if not Department.objects.for_hospital(hospital).active().exists():
        gaps.append("department")
    if not (Membership.objects.for_hospital(hospital).doctors().approved()
            .filter(department__is_active=True).exists()):
        gaps.append("doctor")
    return gaps


def listed_doctors():
    """Doctors with at least one approved membership at a listed hospital, with those memberships."""
    bookable = Membership.objects.bookable().select_related("hospital", "department").order_by("hospital__name")
    return (
        DoctorProfile.objects.filter(user__memberships__in=Membership.objects.bookable())
        .distinct()
        .select_related("user")
        .prefetch_related(Prefetch("user__memberships", queryset=bookable, to_attr="listed_memberships"))
    )
