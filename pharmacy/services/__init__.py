"""Writes with rules for the pharmacy, one module per concern; this package exports them all.

- ``catalogue``: a hospital's medicines and its pharmacy settings;
- ``orders``: the patient's carts, checkout, payment, expiry and cancelling;
- ``fulfilment``: preparing, ready (dispensing), collected or delivered, and the pharmacist's
  read of an order's prescription;
- ``stock``: the stock ledger, its one writer: receiving, stock-takes, write-offs, and reserving,
  releasing and dispensing for orders (``pharmacy/tests/test_stock_ledger.py`` checks that no
  other module creates a StockMovement or changes a batch's counts);
- ``prescribing``: the prescription rules (``prescribed_quantity``, whether a prescribed name is a
  medicine) as pure functions; ``allowances`` applies them to a patient's issued prescriptions;
- ``_common``: their errors, input cleaning, role check and patient notice.

Callers keep ``from pharmacy import services`` / ``from pharmacy.services import name``. Errors
are ``PharmacyError`` with a translated message and, where an input is at fault, its ``field``
and the ``item`` index it concerns.
"""

from ..models import InvalidTransition, PharmacyError
from ._common import MAX_BATCH_QUANTITY, MAX_PRICE, Kind, PrescriptionRequired, Shortage, Status, StockShortage
from .allowances import PrescribedAllowance, prescription_allowances
from .catalogue import (
    MEDICINE_FIELDS,
    activate_medicine,
    create_medicine,
    deactivate_medicine,
    pharmacy_settings,
    update_medicine,
    update_pharmacy_settings,
)
from .fulfilment import (
    mark_collected,
    mark_delivered,
    mark_ready,
    order_prescriptions,
    read_order_prescription,
    send_out_for_delivery,
    start_preparing,
)
from .orders import (
    CartFill,
    CartProblem,
    add_to_cart,
    cancel_order,
    cart_from_prescription,
    cart_problems,
    checkout,
    expire_order,
    mark_order_paid,
    open_cart,
    place_order,
    remove_from_cart,
    set_quantity,
)
from .prescribing import UNCOUNTED_COURSE_UNITS, prescribed_quantity
from .stock import adjust_stock, receive_stock, write_off_expired

__all__ = [
    "MAX_BATCH_QUANTITY", "MAX_PRICE", "MEDICINE_FIELDS", "UNCOUNTED_COURSE_UNITS",
    "CartFill", "CartProblem", "InvalidTransition", "Kind", "PharmacyError", "PrescribedAllowance",
    "PrescriptionRequired", "Shortage", "Status", "StockShortage",
    "activate_medicine", "add_to_cart", "adjust_stock", "cancel_order", "cart_from_prescription", "cart_problems",
    "checkout", "create_medicine", "deactivate_medicine", "expire_order",
    "mark_collected", "mark_delivered", "mark_order_paid", "mark_ready", "open_cart", "order_prescriptions",
    "pharmacy_settings", "place_order", "prescribed_quantity", "prescription_allowances",
    "read_order_prescription", "receive_stock", "remove_from_cart", "send_out_for_delivery", "set_quantity",
    "start_preparing", "update_medicine", "update_pharmacy_settings", "write_off_expired",
]
