"""The pharmacist's side of a medicine order: preparing, ready (dispensing), collected or delivered.

Each move reads the order with ``healthstack.status.locked`` and moves it with ``transition_to``;
the batches are dispensed through ``stock``, the ledger's one writer. The pharmacist reads the
order's prescriptions through ``read_order_prescription``, which writes the access log.
"""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from healthstack.status import locked
from healthstack.templatetags.money import money
from hospitals.models import Hospital
from records.models import AccessLog, Prescription
from records.services import append_access_log

from ..models import ZERO, LineAllocation, MedicineOrder, MedicineOrderLine, PharmacyError
from ..payable import refund_order
from . import stock
from ._common import Status, notify_patient, pk_of, text, whole_number


@transaction.atomic
def start_preparing(*, order: MedicineOrder, by, now: datetime | None = None) -> MedicineOrder:
    """paid → preparing. The proposed batches are the reservation, earliest expiry first (``selectors.pick_list``);
    units reserved on a batch that has expired since checkout move to another batch first."""
    now = now or timezone.now()
    order = locked(order, MedicineOrder.objects.with_people())
    order.check_can_become(Status.PREPARING)
    stock.replace_expired_allocations(order, by=by, now=now)
    order.transition_to(Status.PREPARING, by=by)
    return order


def _dispensing_plan(lines: list[MedicineOrderLine], allocations: dict[int, list[LineAllocation]],
                     dispensed: dict) -> tuple[list, Decimal, list[MedicineOrderLine]]:
    """What each line hands over (``dispensed``, default all it has reserved): (plan, refund due, lines short).

    Raises PharmacyError (field ``dispensed`` with the line's index) for an unknown line, a count
    that is not a whole number up to what is reserved, or nothing handed over at all.
    """
    unknown = set(dispensed) - {line.pk for line in lines}
    if unknown:
        raise PharmacyError(_("That item is not in this order."), field="dispensed")
    plan, refund, short_lines = [], ZERO, []
    for index, line in enumerate(lines):
        reserved = sum(a.quantity - a.quantity_dispensed for a in allocations[line.pk])
        handed = dispensed.get(line.pk, reserved)
        handed = whole_number(handed, field="dispensed", item=index, low=0, high=reserved)
        plan.append((line, handed))
        if handed < line.quantity:
            short_lines.append(line)
            refund += (line.quantity - handed) * line.charged_unit_price
    if not any(handed for _line, handed in plan):
        raise PharmacyError(_("Nothing would be dispensed; cancel the order instead."), field="dispensed")
    return plan, refund, short_lines


@transaction.atomic
def mark_ready(*, order: MedicineOrder, by, dispensed: dict | None = None, note: str = "",
               now: datetime | None = None) -> MedicineOrder:
    """preparing → ready: dispense the reserved batches, earliest expiry first, and tell the patient.

    ``dispensed`` maps a line id to the units handed over (default: all of each line). A line
    filled partly needs a ``note``; its unfilled units are released and their price refunded
    (the delivery fee is not). Never dispenses an expired batch: such units move to another
    batch first, or count as unfilled. Locks the order, then its batches in id order. Raises
    PharmacyError (field ``dispensed`` with the line's index, or ``note``) and InvalidTransition.
    """
    now = now or timezone.now()
    order = locked(order, MedicineOrder.objects.with_people())
    order.check_can_become(Status.READY)
    stock.replace_expired_allocations(order, by=by, now=now)
    lines = list(order.lines.select_related("medicine").order_by("pk"))
    allocations = stock.reserved_allocations(order)
    plan, refund, short_lines = _dispensing_plan(lines, allocations, dispensed or {})
    note = text(note, field="note", required=bool(short_lines), max_length=1000, label=_("A note on what was not filled"))
    stock.dispense(order, plan, allocations, by=by, now=now)
    order.fill_note, order.refund_due, order.ready_at = note, refund, now
    order.transition_to(Status.READY, by=by, reason=note, fields=["fill_note", "refund_due", "ready_at"])
    if refund > 0:
        refund_order(order, amount=refund, by=by, reason=_("Part of medicine order %(number)s not filled: %(note)s")
                     % {"number": order.number, "note": note})
    notify_patient(order, "medicine_order_ready", fill_note=note,
                   refund_due=money(refund, order.currency) if refund > 0 else "")
    return order


@transaction.atomic
def mark_collected(*, order: MedicineOrder, by, now: datetime | None = None) -> MedicineOrder:
    """ready → collected: the patient took the medicines at the counter."""
    order = locked(order, MedicineOrder.objects.with_people())
    order.transition_to(Status.COLLECTED, by=by)
    return order


@transaction.atomic
def send_out_for_delivery(*, order: MedicineOrder, by, now: datetime | None = None) -> MedicineOrder:
    """ready → out_for_delivery, for an order with home delivery; the patient is told."""
    order = locked(order, MedicineOrder.objects.with_people())
    order.check_can_become(Status.OUT_FOR_DELIVERY)
    if not order.delivery:
        raise PharmacyError(_("This order is collected at the pharmacy, not delivered."), field="delivery")
    order.transition_to(Status.OUT_FOR_DELIVERY, by=by)
    notify_patient(order, "medicine_order_out_for_delivery")
    return order


@transaction.atomic
def mark_delivered(*, order: MedicineOrder, by, now: datetime | None = None) -> MedicineOrder:
    """out_for_delivery → delivered."""
    order = locked(order, MedicineOrder.objects.with_people())
    order.transition_to(Status.DELIVERED, by=by)
    return order


def order_prescriptions(order: MedicineOrder):
    """The prescriptions attached to ``order``: its own and those its lines were sold against."""
    ids = set(order.lines.exclude(prescription_item=None).values_list("prescription_item__prescription_id", flat=True))
    if order.prescription_id:
        ids.add(order.prescription_id)
    return Prescription.objects.filter(pk__in=ids).with_people().prefetch_related("items")


@transaction.atomic
def read_order_prescription(*, reader, order: MedicineOrder, prescription, hospital: Hospital, role: str = "pharmacist",
                            now: datetime | None = None) -> Prescription:
    """A pharmacist opens a prescription attached to one of the hospital's medicine orders: checked and access-logged.

    Returns the prescription (items prefetched). Writes one AccessLog row (locks the log's head).
    Raises PharmacyError (views answer 404) for another hospital's order or a prescription not
    attached to it.
    """
    if order.hospital_id != hospital.pk or order.status == Status.CART:
        raise PharmacyError(_("No such order."), field="order")
    message = _("No such prescription on this order.")
    found = order_prescriptions(order).filter(pk=pk_of(prescription, field="prescription", message=message)).first()
    if found is None:
        raise PharmacyError(message, field="prescription")
    append_access_log(accessor=reader, hospital=hospital, role=role, patient=found.patient,
                      object_type=AccessLog.ObjectType.PRESCRIPTION, object_id=found.pk,
                      label=f"{found.label} (medicine order {order.number})", now=now)
    return found
