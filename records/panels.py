"""The records panel on a doctor's /manage/<hospital>/: their unfinished prescriptions."""

from django.db.models import Count, Window

from .models import Prescription


def doctor_drafts(*, hospital, user, memberships, limit: int = 5) -> dict:
    """The doctor's draft prescriptions at this hospital, last edited first, and how many in all (one query)."""
    membership = memberships["doctor"]
    drafts = list(
        Prescription.objects.for_membership(membership).filter(status=Prescription.Status.DRAFT)
        .annotate(draft_count=Window(Count("pk"))).select_related("patient").order_by("-updated_at")[:limit]
    )
    return {"membership": membership, "drafts": drafts, "draft_count": drafts[0].draft_count if drafts else 0}
