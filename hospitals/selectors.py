"""Reads about hospitals used by more than one page."""

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
