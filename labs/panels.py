"""What the laboratory shows on the staff dashboard: the lab desk's counts and the doctor's unacknowledged
critical results. The selectors are registered with their templates in LabsConfig.ready()."""

from django.db.models import OuterRef, Subquery

from . import selectors
from .models import LabReport

CRITICALS_SHOWN = 20


def lab_desk(*, hospital, user, memberships) -> dict:
    """The lab desk's counts (one query), each linking to the queue filtered to it."""
    return {"hospital": hospital, "counts": selectors.lab_desk_counts(hospital)}


def critical_results(*, hospital, user, memberships) -> dict:
    """The critical results sent to this doctor and not acknowledged yet, oldest first, each with the id of
    its current report version (one query: the doctor's dashboard is near its query budget)."""
    current = LabReport.objects.filter(order=OuterRef("pk"), amendment__isnull=True).order_by("-version")
    orders = selectors.critical_results_awaiting(user).annotate(
        current_report_id=Subquery(current.values("pk")[:1]))[:CRITICALS_SHOWN]
    return {"criticals": [order for order in orders if order.current_report_id]}
