"""Writes with rules for the laboratory: the catalogue, carts and orders, samples, results and reports.

Every status move of a LabOrder goes through one function here: each reads the order with
``healthstack.status.locked``, moves it with ``transition_to`` (which checks
``LabOrder.TRANSITIONS`` and writes a LabOrderStatusChange) and tells the people concerned
after commit through notify(). Every refusal is a LabError (or a subclass) whose message can
be shown and whose ``field`` / ``message_dict`` name the input at fault; nothing is written
when one is raised.

One module per concern, every public name re-exported here (callers use ``labs.services``):
``catalogue`` (tests, analytes, reference ranges), ``orders`` (recommended tests, carts,
checkout, payment, cancellation, expiry), ``samples`` (accession numbers, collection,
rejection), ``results`` (results, verification, reports, amendments, critical values) and
``reads`` (access-logged reads); ``_common`` holds what they share (input cleaning, a role check).
"""

from ..models import CartError, CatalogueError, InvalidTransition, LabAccessDenied, LabError, ResultError
from ._common import Status
from .catalogue import (
    ANALYTE_FIELDS,
    CODE_PATTERN,
    MAX_AGE_DAYS,
    MAX_PRICE,
    MAX_TURNAROUND_HOURS,
    RANGE_FIELDS,
    TEST_FIELDS,
    add_analyte,
    add_reference_range,
    create_lab_test,
    delete_reference_range,
    update_analyte,
    update_lab_test,
    update_reference_range,
)
from .orders import (
    STAFF_CANCEL_ROLES,
    CartProblem,
    accept_cart_changes,
    add_to_cart,
    cancel_order,
    cart_problems,
    checkout,
    expire_order,
    mark_order_paid,
    order_tests,
    order_tests_from_prescription,
    recommend_tests,
    remove_from_cart,
)
from .reads import read_lab_order, read_lab_report, read_order_prescription
from .results import (
    acknowledge_critical,
    amend_report,
    critical_escalation_minutes,
    enter_results,
    escalate_unacknowledged_criticals,
    parse_result,
    verify_and_report,
)
from .samples import accession_prefix, collect_sample, next_accession, reject_sample

__all__ = ["LabError", "CatalogueError", "CartError", "ResultError", "InvalidTransition", "LabAccessDenied"]
