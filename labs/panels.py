"""What the laboratory shows on the staff dashboard: the lab desk's counts and the doctor's unacknowledged
critical results. The selectors are registered with their templates in LabsConfig.ready()."""

from . import selectors
from .models import LabReport

CRITICALS_SHOWN = 20


def lab_desk(*, hospital, user, memberships) -> dict:
    """The lab desk's counts (one query), each linking to the queue filtered to it."""
    return {"hospital": hospital, "counts": selectors.lab_desk_counts(hospital)}


def critical_results(*, hospital, user, memberships) -> dict:
    """The critical results sent to this doctor and not acknowledged yet, oldest first, each with its
    current report (two queries)."""
    orders = list(selectors.critical_results_awaiting(user)[:CRITICALS_SHOWN])
    current = {report.order_id: report for report in
               LabReport.objects.filter(order__in=orders).current().only("pk", "order_id", "version")}
    return {"criticals": [{"order": order, "report": current.get(order.pk)} for order in orders
                          if order.pk in current]}
