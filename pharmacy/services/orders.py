"""The patient's side of a medicine order: carts, checkout, payment, expiry and cancelling.

Every status move of a MedicineOrder goes through one function (here or in ``fulfilment``): it
reads the order with ``healthstack.status.locked``, moves it with ``transition_to`` (history row
included) and tells the patient after commit. Stock is reserved and released through
``stock``, the ledger's one writer. Errors are ``PharmacyError`` with a translated message and,
where an input is at fault, its ``field`` and the ``item`` index it concerns.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from healthstack.status import locked
from healthstack.templatetags.money import money
from hospitals.models import Hospital
from payments import lifecycle
from records.models import PrescriptionItem

from ..models import MAX_LINE_QUANTITY, ZERO, Medicine, MedicineOrder, MedicineOrderLine, PharmacyError
from ..payable import refund_order
from . import stock
from ._common import (
    Status,
    check_patient,
    local_today,
    may_act_for_hospital,
    notify_patient,
    only_left,
    pk_of,
    text,
    whole_number,
)
from .allowances import patients_prescription, prescribed_item_for, quantity_bought
from .catalogue import pharmacy_settings
from .prescribing import item_names_medicine, prescribed_quantity

def _shop_medicine(medicine, *, item: int | None = None) -> Medicine:
    """The medicine as the shop sells it: active, at an approved hospital; else PharmacyError."""
    message = _("This medicine is not sold here any more.")
    found = (Medicine.objects.select_related("hospital")
             .filter(pk=pk_of(medicine, field="medicine", message=message, item=item), active=True,
                     hospital__status=Hospital.Status.APPROVED).first())
    if found is None:
        raise PharmacyError(message, field="medicine", item=item)
    return found


def open_cart(*, patient, hospital: Hospital) -> MedicineOrder:
    """The patient's cart at ``hospital``, created if there is none (one open cart per patient per hospital)."""
    cart = MedicineOrder.objects.carts().filter(patient=patient, hospital=hospital).first()
    if cart is not None:
        return cart
    try:
        with transaction.atomic():
            cart = MedicineOrder.objects.create(hospital=hospital, patient=patient, status=Status.CART,
                                                currency="BDT")
            cart.record_status(from_status="", by=patient)
            return cart
    except IntegrityError:  # made by a parallel request a moment ago
        return MedicineOrder.objects.carts().get(patient=patient, hospital=hospital)


def _locked_cart(order: MedicineOrder, patient) -> MedicineOrder:
    order = locked(order, MedicineOrder.objects.with_people())
    if order.patient_id != patient.pk:
        raise PharmacyError(_("No such cart."), field="order")
    if order.status != Status.CART:
        raise PharmacyError(_("This order is already checked out; its medicines can no longer change."),
                            field="order")
    return order


@transaction.atomic
def add_to_cart(*, patient, medicine: Medicine, quantity, prescription=None,
                now: datetime | None = None) -> MedicineOrderLine:
    """Add ``quantity`` of ``medicine`` to the patient's cart at its hospital (added to a line already there).

    A prescription-only medicine needs an issued prescription of this patient listing it
    (``prescription``, or the one that allows the most), and at most what it allows. Locks the
    cart. Raises PharmacyError (field ``quantity``, ``medicine`` or ``prescription``).
    """
    check_patient(patient)
    quantity = whole_number(quantity, field="quantity")
    medicine = _shop_medicine(medicine)
    cart = _locked_cart(open_cart(patient=patient, hospital=medicine.hospital), patient)
    line = cart.lines.filter(medicine=medicine).first()
    total = quantity + (line.quantity if line else 0)
    if total > MAX_LINE_QUANTITY:
        raise PharmacyError(_("At most %(count)d of one medicine per order.") % {"count": MAX_LINE_QUANTITY},
                            field="quantity")
    item = prescribed_item_for(patient=patient, medicine=medicine, quantity=total, prescription=prescription,
                                excluding=cart)
    if line is None:
        line = MedicineOrderLine.objects.create(hospital_id=cart.hospital_id, order=cart, medicine=medicine,
                                                quantity=total, unit_price=medicine.unit_price, prescription_item=item)
    else:
        line.quantity, line.prescription_item = total, item or line.prescription_item
        line.save(update_fields=["quantity", "prescription_item"])
    if item is not None and cart.prescription_id is None:
        cart.prescription_id = item.prescription_id
        cart.save(update_fields=["prescription", "updated_at"])
    return line


def _own_cart_line(patient, line) -> MedicineOrderLine:
    found = (MedicineOrderLine.objects.select_related("order", "medicine")
             .filter(pk=pk_of(line, field="line", message=_("No such item in your cart.")), order__patient=patient)
             .first())
    if found is None:
        raise PharmacyError(_("No such item in your cart."), field="line")
    return found


@transaction.atomic
def set_quantity(*, patient, line, quantity, now: datetime | None = None) -> MedicineOrderLine:
    """Set a cart line's quantity (1 to 1000, within the prescription for a prescription-only medicine)."""
    quantity = whole_number(quantity, field="quantity")
    line = _own_cart_line(patient, line)
    cart = _locked_cart(line.order, patient)
    item = prescribed_item_for(patient=patient, medicine=line.medicine, quantity=quantity,
                                prescription=line.prescription_item.prescription_id if line.prescription_item_id
                                else None, excluding=cart)
    line.quantity, line.prescription_item = quantity, item or line.prescription_item
    line.save(update_fields=["quantity", "prescription_item"])
    return line


@transaction.atomic
def remove_from_cart(*, patient, line) -> MedicineOrder:
    """Take a line out of the patient's cart; return the cart."""
    line = _own_cart_line(patient, line)
    cart = _locked_cart(line.order, patient)
    line.delete()
    if cart.prescription_id and not cart.lines.filter(prescription_item__prescription_id=cart.prescription_id).exists():
        cart.prescription = None
        cart.save(update_fields=["prescription", "updated_at"])
    return cart


@dataclass(frozen=True)
class CartProblem:
    line: MedicineOrderLine
    kind: str  # "inactive" | "repriced" | "short"
    message: str


def cart_problems(order: MedicineOrder, *, now: datetime | None = None) -> list[CartProblem]:
    """What changed since the cart's medicines were added: deactivated, repriced, or less in stock than asked.

    Two queries, whatever the cart holds.
    """
    from ..selectors import available_by_medicine

    lines = list(order.lines.select_related("medicine"))
    available = available_by_medicine([line.medicine_id for line in lines], hospital=order.hospital, now=now)
    problems = []
    for line in lines:
        medicine = line.medicine
        if not medicine.active:
            problems.append(CartProblem(line, "inactive", _("%(medicine)s is no longer sold; remove it to check out.")
                                        % {"medicine": medicine.display_name}))
            continue
        if medicine.unit_price != line.unit_price:
            problems.append(CartProblem(line, "repriced", _(
                "The price of %(medicine)s changed from %(old)s to %(new)s since you added it.") % {
                "medicine": medicine.display_name, "old": money(line.unit_price, medicine.currency),
                "new": money(medicine.unit_price, medicine.currency)}))
        left = available.get(medicine.pk, 0)
        if left < line.quantity:
            problems.append(CartProblem(line, "short", only_left(medicine, left)))
    return problems


@dataclass
class CartFill:
    """What "Buy these medicines" put in the cart, and the prescribed medicines it could not."""

    order: MedicineOrder
    added: list[MedicineOrderLine] = field(default_factory=list)
    not_stocked: list[tuple[PrescriptionItem, str]] = field(default_factory=list)


@transaction.atomic
def cart_from_prescription(*, patient, prescription, now: datetime | None = None) -> CartFill:
    """Fill the patient's cart at the prescription's hospital with its in-stock medicines.

    Each item takes the stocked medicine that matches it (generic or brand name, strength) with
    the most units free, as many as the prescription still allows and the stock has; each
    item that cannot be bought there gets a line in ``not_stocked`` saying why. Locks the cart.
    Raises PharmacyError (field ``prescription``) for a prescription that is not the
    patient's own issued one.
    """
    from ..selectors import available_by_medicine

    check_patient(patient)
    prescription = patients_prescription(patient, prescription)
    hospital = prescription.hospital
    cart = _locked_cart(open_cart(patient=patient, hospital=hospital), patient)
    fill = CartFill(order=cart)
    items = list(prescription.items.all())
    names = {n for item in items for n in [(item.medicine_name or "").strip()] if n}
    candidates = list(
        Medicine.objects.for_hospital(hospital).active().filter(
            Q(generic_name__in=names) | Q(brand_name__in=names) | _iexact_any(names))
    )
    available = available_by_medicine([m.pk for m in candidates], hospital=hospital, now=now)
    lines = {line.medicine_id: line for line in cart.lines.all()}
    for item in items:
        matches = [m for m in candidates if item_names_medicine(item, m)]
        if not matches:
            fill.not_stocked.append((item, _("Not stocked at this pharmacy.")))
            continue
        medicine = max(matches, key=lambda m: (available.get(m.pk, 0), -m.pk))
        left = available.get(medicine.pk, 0)
        if left <= 0:
            fill.not_stocked.append((item, _("Out of stock at the moment.")))
            continue
        allowed = max(0, prescribed_quantity(item, medicine) - quantity_bought(item, excluding=cart))
        if allowed <= 0:
            fill.not_stocked.append((item, _("Already bought as prescribed.")))
            continue
        quantity = min(allowed, left, MAX_LINE_QUANTITY)
        line = lines.get(medicine.pk)
        if line is None:
            line = MedicineOrderLine.objects.create(
                hospital_id=hospital.pk, order=cart, medicine=medicine, quantity=quantity,
                unit_price=medicine.unit_price, prescription_item=item,
            )
            lines[medicine.pk] = line
        else:
            line.quantity, line.prescription_item = quantity, item
            line.save(update_fields=["quantity", "prescription_item"])
        fill.added.append(line)
    if cart.prescription_id is None and fill.added:
        cart.prescription = prescription
        cart.save(update_fields=["prescription", "updated_at"])
    return fill


def _iexact_any(names) -> Q:
    query = Q(pk__in=[])
    for name in names:
        query |= Q(generic_name__iexact=name) | Q(brand_name__iexact=name)
    return query


def _set_delivery(order: MedicineOrder, delivery_address: str) -> None:
    """Home delivery for ``order`` at its hospital's fee; PharmacyError when not offered or without an address."""
    offer = pharmacy_settings(order.hospital)
    if not offer.delivery_offered:
        raise PharmacyError(_("%(hospital)s does not deliver medicines; collect them at the pharmacy.")
                            % {"hospital": order.hospital.name}, field="delivery")
    delivery_address = text(delivery_address, field="delivery_address", required=True, max_length=500,
                            label=_("Delivery address"))
    order.delivery, order.delivery_address, order.delivery_fee = True, delivery_address, offer.delivery_fee


def _check_lines_sellable(patient, order: MedicineOrder, lines: list[MedicineOrderLine]) -> None:
    """Every line's medicine still sold and, when it needs one, covered by a prescription (the best one is noted)."""
    for index, line in enumerate(lines):
        if not line.medicine.active:
            raise PharmacyError(_("%(medicine)s is no longer sold; remove it to check out.")
                                % {"medicine": line.medicine.display_name}, field="medicine", item=index,
                                names_medicine=True)
        item = prescribed_item_for(patient=patient, medicine=line.medicine, quantity=line.quantity,
                                   prescription=(line.prescription_item.prescription_id
                                                 if line.prescription_item_id else None),
                                   excluding=order, item=index)
        if item is not None and item.pk != line.prescription_item_id:
            line.prescription_item = item
            line.save(update_fields=["prescription_item"])


def _fix_prices(order: MedicineOrder, lines: list[MedicineOrderLine]) -> Decimal:
    """Charge each line today's price; return the amount to pay, delivery included.

    Raises PharmacyError (field ``items``) for an amount the gateway cannot take.
    """
    total = ZERO
    for line in lines:
        line.price = line.medicine.unit_price
        line.unit_price = line.medicine.unit_price
        line.save(update_fields=["price", "unit_price"])
        total += line.price * line.quantity
    amount = total + order.delivery_fee
    try:
        lifecycle.check_minimum(amount, lines[0].medicine.currency)
    except lifecycle.AmountTooSmall as error:
        raise PharmacyError(error.message, field="items") from None
    return amount


@transaction.atomic
def checkout(*, patient, order: MedicineOrder, now: datetime | None = None, delivery: bool = False,
             delivery_address: str = "") -> MedicineOrder:
    """cart → awaiting_payment: fix the prices and amount, reserve the stock, hold it (payments.lifecycle).

    Every line takes its units from unexpired batches, earliest expiry first. Locks the order,
    then the medicines' batches in primary-key order, so concurrent checkouts of the last units
    queue and the later ones see what is left. Raises StockShortage ("only N left", per item),
    PrescriptionRequired, or PharmacyError (empty cart, a medicine no longer sold, delivery not
    offered or without an address); nothing is reserved then.
    """
    now = now or timezone.now()
    check_patient(patient)
    order = _locked_cart(order, patient)
    lines = list(order.lines.select_related("medicine", "prescription_item").order_by("pk"))
    if not lines:
        raise PharmacyError(_("Your cart is empty."), field="items")
    if delivery:
        _set_delivery(order, delivery_address)
    _check_lines_sellable(patient, order, lines)
    picks = stock.plan_reservation(lines, today=local_today(order.hospital, now))
    amount = _fix_prices(order, lines)
    stock.reserve(order, picks, by=patient, now=now)
    order.amount = amount
    order.currency = lines[0].medicine.currency
    order.checked_out_at = now
    order.hold_expires_at = lifecycle.hold_expires_at(now)
    order.transition_to(Status.AWAITING_PAYMENT, by=patient, fields=[
        "amount", "currency", "checked_out_at", "hold_expires_at", "delivery", "delivery_address", "delivery_fee"])
    if order.amount == 0:
        return mark_order_paid(order=order, by=patient, reason=_("Nothing to pay."), now=now)
    return order


@transaction.atomic
def place_order(*, patient, hospital: Hospital, items: list[dict], prescription=None, now: datetime | None = None,
                delivery: bool = False, delivery_address: str = "") -> MedicineOrder:
    """Fill the patient's cart at ``hospital`` with exactly ``items`` (``{"medicine", "quantity"}``) and check it out.

    For the API's one-call order. Every item's medicine must be the hospital's; errors carry
    the item's index. Raises what add_to_cart and checkout raise, and PharmacyError for no
    items, a repeated medicine, or another hospital's medicine (as "not sold here").
    """
    check_patient(patient)
    if not isinstance(items, list) or not items:
        raise PharmacyError(_("Add at least one medicine."), field="items")
    cart = _locked_cart(open_cart(patient=patient, hospital=hospital), patient)
    cart.lines.all().delete()
    seen = set()
    for index, entry in enumerate(items):
        if not isinstance(entry, dict):
            raise PharmacyError(_("Each item needs a medicine and a quantity."), field="items", item=index)
        quantity = whole_number(entry.get("quantity"), field="quantity", item=index)
        raw = entry.get("medicine")
        medicine = (Medicine.objects.for_hospital(hospital).filter(pk=raw).first()
                    if isinstance(raw, int) and not isinstance(raw, bool) else None)
        if medicine is None:
            raise PharmacyError(_("This medicine is not sold here."), field="medicine", item=index)
        medicine = _shop_medicine(medicine, item=index)
        if medicine.pk in seen:
            raise PharmacyError(_("This medicine is already in the order; change its quantity instead."),
                                field="medicine", item=index)
        seen.add(medicine.pk)
        item = prescribed_item_for(patient=patient, medicine=medicine, quantity=quantity, prescription=prescription,
                                    excluding=cart, item=index)
        MedicineOrderLine.objects.create(hospital_id=hospital.pk, order=cart, medicine=medicine, quantity=quantity,
                                         unit_price=medicine.unit_price, prescription_item=item)
        if item is not None and cart.prescription_id is None:
            cart.prescription_id = item.prescription_id
    cart.save(update_fields=["prescription", "updated_at"])
    return checkout(patient=patient, order=cart, now=now, delivery=delivery, delivery_address=delivery_address)


@transaction.atomic
def mark_order_paid(*, order: MedicineOrder, by, reason: str = "", now: datetime | None = None) -> MedicineOrder:
    """awaiting_payment → paid: the stock stays reserved for the pharmacist. Called when the payment is confirmed.

    Locks the order. Raises InvalidTransition when it expired or was cancelled (the payable
    then refunds the payment) and does nothing for an order already paid.
    """
    order = locked(order, MedicineOrder.objects.with_people())
    if order.status == Status.PAID:
        return order
    order.check_can_become(Status.PAID)
    order.paid_at = now or timezone.now()
    order.hold_expires_at = None
    order.transition_to(Status.PAID, by=by, reason=reason, fields=["paid_at", "hold_expires_at"])
    return order


@transaction.atomic
def expire_order(*, order: MedicineOrder, by=None, now: datetime | None = None) -> MedicineOrder:
    """awaiting_payment → expired: the payment hold ran out; its reserved stock is released."""
    now = now or timezone.now()
    order = locked(order, MedicineOrder.objects.with_people())
    order.check_can_become(Status.EXPIRED)
    stock.release(order, by=by, now=now, reason=_("Order %(number)s not paid in time") % {"number": order.number})
    order.hold_expires_at = None
    order.transition_to(Status.EXPIRED, by=by, reason=_("Payment not received in time."), fields=["hold_expires_at"])
    notify_patient(order, "medicine_order_expired")
    return order


@transaction.atomic
def cancel_order(*, order: MedicineOrder, by, reason: str = "", now: datetime | None = None) -> MedicineOrder:
    """Cancel before the medicines are ready: release the reserved stock and refund in full what was paid.

    The patient may cancel their own order; the hospital's pharmacists and admins any of its
    orders (with a reason the patient is told). Locks the order, then its batches. Raises
    InvalidTransition once the order is ready, PharmacyError for anyone else or no staff reason.
    """
    now = now or timezone.now()
    order = locked(order, MedicineOrder.objects.with_people())
    by_patient = order.patient_id == by.pk
    if not by_patient and not may_act_for_hospital(by, order.hospital_id):
        raise PharmacyError(_("No such order."), field="order")
    reason = text(reason, field="reason", required=not by_patient, max_length=500, label=_("Reason"))
    order.check_can_become(Status.CANCELLED)
    paid = order.status in (Status.PAID, Status.PREPARING)
    stock.release(order, by=by, now=now, reason=_("Order %(number)s cancelled") % {"number": order.number})
    order.status_reason = reason
    order.hold_expires_at = None
    was_cart = order.status == Status.CART
    order.transition_to(Status.CANCELLED, by=by, reason=reason, fields=["status_reason", "hold_expires_at"])
    if paid:
        refund_order(order, reason=_("Medicine order %(number)s cancelled before it was ready.")
                     % {"number": order.number}, by=by)
    if not was_cart:
        notify_patient(order, "medicine_order_cancelled", paid=paid)
    return order
