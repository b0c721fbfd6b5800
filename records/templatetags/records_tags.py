"""Cards other pages include: a doctor's unfinished prescriptions."""

from django import template
from django.db.models import Count, Window

from records.models import Prescription

register = template.Library()


@register.inclusion_tag("records/partials/doctor_drafts.html")
def doctor_drafts(membership, limit: int = 5):
    """The doctor's draft prescriptions at this hospital, last edited first, and how many in all (one query)."""
    drafts = list(
        Prescription.objects.for_membership(membership).filter(status=Prescription.Status.DRAFT)
        .annotate(draft_count=Window(Count("pk"))).select_related("patient").order_by("-updated_at")[:limit]
    )
    return {"membership": membership, "drafts": drafts, "draft_count": drafts[0].draft_count if drafts else 0}
