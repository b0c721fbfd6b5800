"""Writes with rules for the pharmacy: the catalogue, stock, carts, checkout and filling orders.

Stock changes only here, and only through ``_move``: it changes a locked batch's on-hand and
reserved counts and appends the StockMovement that says so, so the ledger's sums always equal
the batches (``selectors.assert_ledger_balanced``). Whenever several batches are locked they
are locked in primary-key order, so two checkouts never wait on each other in a cycle.

Every status move of a MedicineOrder goes through one function here: it reads the order with
``healthstack.status.locked``, moves it with ``transition_to`` (history row included) and tells
the patient after commit. Errors are ``PharmacyError`` with a translated message and, where an
input is at fault, its ``field`` and the ``item`` index it concerns.
"""

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from healthstack.localtime import local_date
from healthstack.status import locked
from healthstack.templatetags.money import money
from hospitals.models import Hospital, Membership
from notifications.services import notify
from records.models import AccessLog, Prescription, PrescriptionItem
from records.services import append_access_log

from .models import (
    MAX_LINE_QUANTITY,
    ZERO,
    InvalidTransition,
    LineAllocation,
    Medicine,
    MedicineOrder,
    MedicineOrderLine,
    PharmacyError,
    PharmacySettings,
    StockBatch,
    StockMovement,
)
from .payable import refund_order

Status = MedicineOrder.Status
Kind = StockMovement.Kind
MAX_BATCH_QUANTITY = 1_000_000
MAX_PRICE = Decimal("9999999999.99")
# The smallest payment SSLCommerz takes (its session API refuses less).
MIN_PAYABLE_AMOUNT = Decimal("10.00")
# A prescription item whose course cannot be counted (see prescribed_quantity) allows this many units.
UNCOUNTED_COURSE_UNITS = 10

__all__ = ["PharmacyError", "InvalidTransition", "StockShortage", "PrescriptionRequired"]


class StockShortage(PharmacyError):
    """Checkout found less stock than asked for one or more items; ``shortages`` says which and how many are left."""

    def __init__(self, shortages: list["Shortage"]):
        first = shortages[0]
        super().__init__(" ".join(s.message for s in shortages), field="quantity", item=first.item)
        self.shortages = shortages


class PrescriptionRequired(PharmacyError):
    """A prescription-only medicine without an issued prescription of this patient that lists it."""


@dataclass(frozen=True)
class Shortage:
    item: int  # index of the order line (in the order's line order)
    medicine_id: int
    wanted: int
    available: int
    message: str


def payment_hold_minutes() -> int:
    return getattr(settings, "PAYMENT_HOLD_MINUTES", 15)


def _today(hospital, now: datetime | None) -> date:
    return local_date(now or timezone.now(), hospital)


# Input -------------------------------------------------------------------------------------

def _whole_number(value, *, field: str, item: int | None = None, low: int = 1, high: int = MAX_LINE_QUANTITY) -> int:
    """``value`` as an int in [low, high]; PharmacyError (with ``field``) for fractions, words, or out of range."""
    message = _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
    if isinstance(value, bool) or value is None:
        raise PharmacyError(message, field=field, item=item)
    if isinstance(value, int):
        number = value
    else:
        try:
            exact = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise PharmacyError(message, field=field, item=item) from None
        if not exact.is_finite() or exact != exact.to_integral_value():
            raise PharmacyError(message, field=field, item=item)
        number = int(exact)
    if not low <= number <= high:
        raise PharmacyError(message, field=field, item=item)
    return number


def _amount(value, *, field: str) -> Decimal:
    """A money amount of at most two decimals, zero or more."""
    message = _("Enter an amount of zero or more, with at most two decimals.")
    if isinstance(value, bool) or value is None or isinstance(value, float) and not math.isfinite(value):
        raise PharmacyError(message, field=field)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise PharmacyError(message, field=field) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_PRICE or amount != amount.quantize(Decimal("0.01")):
        raise PharmacyError(message, field=field)
    return amount.quantize(Decimal("0.01"))


def _text(value, *, field: str, required: bool = False, max_length: int = 120, label: str = "") -> str:
    text = str(value or "").strip()
    if required and not text:
        raise PharmacyError(_("%(label)s is required.") % {"label": label or field.replace("_", " ").capitalize()},
                            field=field)
    if len(text) > max_length:
        raise PharmacyError(_("At most %(count)d characters.") % {"count": max_length}, field=field)
    return text


# The stock ledger ----------------------------------------------------------------------------

def _move(batch: StockBatch, kind: str, *, by, now: datetime, quantity: int = 0, reserved: int = 0,
          reason: str = "", order: MedicineOrder | None = None) -> StockMovement:
    """Change a batch (read under a row lock) by ``quantity`` on hand and ``reserved``; append the movement."""
    batch.quantity_on_hand += quantity
    batch.quantity_reserved += reserved
    if batch.quantity_on_hand < 0 or not 0 <= batch.quantity_reserved <= batch.quantity_on_hand:
        raise PharmacyError(_("Batch %(batch)s does not hold that many units.") % {"batch": batch.batch_number},
                            field="quantity")
    batch.save(update_fields=["quantity_on_hand", "quantity_reserved"])
    return StockMovement.objects.create(
        hospital_id=batch.hospital_id, batch=batch, kind=kind, quantity=quantity, reserved_change=reserved,
        reason=reason[:255], by=by, at=now, order=order,
    )


def _lock_batches(ids) -> dict[int, StockBatch]:
    """Lock these batches in primary-key order (the one order every writer uses); return them by id."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {b.pk: b for b in StockBatch.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


# The catalogue -------------------------------------------------------------------------------

MEDICINE_FIELDS = ("generic_name", "brand_name", "strength", "dosage_form", "unit", "pack", "unit_price",
                   "prescription_only", "reorder_level", "active", "manufacturer")


def _clean_medicine(values: dict) -> dict:
    cleaned = {}
    if "generic_name" in values:
        cleaned["generic_name"] = _text(values["generic_name"], field="generic_name", required=True,
                                        label=_("Generic name"))
    for name in ("brand_name", "manufacturer"):
        if name in values:
            cleaned[name] = _text(values[name], field=name)
    if "strength" in values:
        cleaned["strength"] = _text(values["strength"], field="strength", max_length=40)
    if "pack" in values:
        cleaned["pack"] = _text(values["pack"], field="pack", max_length=60)
    if "unit" in values:
        cleaned["unit"] = _text(values["unit"], field="unit", required=True, max_length=30, label=_("Unit"))
    if "dosage_form" in values:
        if values["dosage_form"] not in Medicine.DosageForm.values:
            raise PharmacyError(_("Choose a dosage form from the list."), field="dosage_form")
        cleaned["dosage_form"] = values["dosage_form"]
    if "unit_price" in values:
        cleaned["unit_price"] = _amount(values["unit_price"], field="unit_price")
    if "reorder_level" in values:
        cleaned["reorder_level"] = _whole_number(values["reorder_level"], field="reorder_level", low=0,
                                                 high=MAX_BATCH_QUANTITY)
    for name in ("prescription_only", "active"):
        if name in values:
            if not isinstance(values[name], bool):
                raise PharmacyError(_("Answer yes or no."), field=name)
            cleaned[name] = values[name]
    return cleaned


def _check_unique(hospital, values: dict, exclude_pk=None) -> None:
    twins = Medicine.objects.for_hospital(hospital).filter(
        generic_name__iexact=values["generic_name"], brand_name__iexact=values.get("brand_name", ""),
        strength__iexact=values.get("strength", ""), dosage_form=values["dosage_form"],
    )
    if exclude_pk is not None:
        twins = twins.exclude(pk=exclude_pk)
    if twins.exists():
        raise PharmacyError(_("This medicine (same generic, brand, strength and form) is already in the catalogue."),
                            field="generic_name")


@transaction.atomic
def create_medicine(*, hospital: Hospital, by, generic_name: str, dosage_form: str, unit: str, unit_price,
                    brand_name: str = "", strength: str = "", pack: str = "", prescription_only: bool = False,
                    reorder_level: int = 0, active: bool = True, manufacturer: str = "") -> Medicine:
    """Add a medicine to ``hospital``'s catalogue; return it.

    Raises PharmacyError (with the field) for a missing name or unit, an unknown dosage form,
    a negative or over-precise price, a bad reorder level, or a twin already in the catalogue
    (same generic, brand, strength and form, ignoring case).
    """
    values = _clean_medicine({
        "generic_name": generic_name, "brand_name": brand_name, "strength": strength, "dosage_form": dosage_form,
        "unit": unit, "pack": pack, "unit_price": unit_price, "prescription_only": prescription_only,
        "reorder_level": reorder_level, "active": active, "manufacturer": manufacturer,
    })
    _check_unique(hospital, values)
    try:
        with transaction.atomic():
            return Medicine.objects.create(hospital=hospital, **values)
    except IntegrityError as exc:
        raise PharmacyError(_("This medicine is already in the catalogue."), field="generic_name") from exc


@transaction.atomic
def update_medicine(*, medicine: Medicine, by, **changes) -> Medicine:
    """Change a medicine's fields (any of MEDICINE_FIELDS); carts already holding it keep their price until checkout.

    Locks the medicine. Raises PharmacyError as create_medicine does, and for an unknown field.
    """
    unknown = set(changes) - set(MEDICINE_FIELDS)
    if unknown:
        raise PharmacyError(_("Unknown field."), field=sorted(unknown)[0])
    medicine = locked(medicine)
    values = _clean_medicine(changes)
    merged = {name: getattr(medicine, name) for name in MEDICINE_FIELDS} | values
    _check_unique(medicine.hospital_id, merged, exclude_pk=medicine.pk)
    for name, value in values.items():
        setattr(medicine, name, value)
    medicine.save()
    return medicine


def deactivate_medicine(*, medicine: Medicine, by) -> Medicine:
    """Take a medicine off the shop; carts holding it say so and cannot be checked out with it."""
    return update_medicine(medicine=medicine, by=by, active=False)


def activate_medicine(*, medicine: Medicine, by) -> Medicine:
    return update_medicine(medicine=medicine, by=by, active=True)


@transaction.atomic
def update_pharmacy_settings(*, hospital: Hospital, by, delivery_offered: bool, delivery_fee) -> PharmacySettings:
    """Whether ``hospital`` delivers medicines home and for what fee."""
    if not isinstance(delivery_offered, bool):
        raise PharmacyError(_("Answer yes or no."), field="delivery_offered")
    fee = _amount(delivery_fee, field="delivery_fee")
    row, _created = PharmacySettings.objects.select_for_update().get_or_create(hospital=hospital)
    row.delivery_offered, row.delivery_fee = delivery_offered, fee
    row.save()
    return row


def pharmacy_settings(hospital) -> PharmacySettings:
    """The hospital's pharmacy settings (unsaved defaults, no delivery, when never set)."""
    return (PharmacySettings.objects.filter(hospital=hospital).first()
            or PharmacySettings(hospital_id=getattr(hospital, "pk", hospital)))


# Stock ----------------------------------------------------------------------------------------

@transaction.atomic
def receive_stock(*, medicine: Medicine, by, batch_number: str, expiry_date: date, quantity, cost,
                  supplier: str = "", now: datetime | None = None) -> StockBatch:
    """Receive a new batch of ``medicine``: a ``received`` movement of ``quantity`` units; return the batch.

    Raises PharmacyError (with the field) for a missing or repeated batch number, an expiry
    date not after today (in the hospital's zone), a quantity that is not a whole number from
    1 to 1,000,000, or a cost below zero.
    """
    now = now or timezone.now()
    number = _text(batch_number, field="batch_number", required=True, max_length=40, label=_("Batch number"))
    if not isinstance(expiry_date, date) or isinstance(expiry_date, datetime):
        raise PharmacyError(_("Enter the expiry date."), field="expiry_date")
    if expiry_date <= _today(medicine.hospital, now):
        raise PharmacyError(_("This batch has already expired; only stock with a future expiry date can be received."),
                            field="expiry_date")
    quantity = _whole_number(quantity, field="quantity", high=MAX_BATCH_QUANTITY)
    cost = _amount(cost, field="cost")
    supplier = _text(supplier, field="supplier")
    if StockBatch.objects.filter(medicine=medicine, batch_number__iexact=number).exists():
        raise PharmacyError(_("Batch %(batch)s of this medicine was already received.") % {"batch": number},
                            field="batch_number")
    try:
        with transaction.atomic():
            batch = StockBatch.objects.create(
                hospital_id=medicine.hospital_id, medicine=medicine, batch_number=number, expiry_date=expiry_date,
                quantity_received=quantity, cost=cost, supplier=supplier, received_at=now, received_by=by,
            )
    except IntegrityError as exc:
        raise PharmacyError(_("Batch %(batch)s of this medicine was already received.") % {"batch": number},
                            field="batch_number") from exc
    batch = _lock_batches([batch.pk])[batch.pk]
    _move(batch, Kind.RECEIVED, by=by, now=now, quantity=quantity, reason=_("Received from %(supplier)s") % {
        "supplier": supplier} if supplier else _("Received"))
    return batch


@transaction.atomic
def adjust_stock(*, batch: StockBatch, by, counted, reason: str, now: datetime | None = None) -> StockBatch:
    """Stock-take: set the batch's units on hand to ``counted`` with an ``adjusted`` movement of the difference.

    Locks the batch. Raises PharmacyError for no reason, a count that is not a whole number,
    below zero, below the units reserved for orders, or equal to what is recorded.
    """
    reason = _text(reason, field="reason", required=True, max_length=255, label=_("Reason"))
    counted = _whole_number(counted, field="counted", low=0, high=MAX_BATCH_QUANTITY)
    batch = _lock_batches([batch.pk])[batch.pk]
    if counted < batch.quantity_reserved:
        raise PharmacyError(
            _("%(reserved)d units of this batch are reserved for orders; the count cannot be lower.")
            % {"reserved": batch.quantity_reserved}, field="counted")
    if counted == batch.quantity_on_hand:
        raise PharmacyError(_("The count matches the stock on record; nothing to adjust."), field="counted")
    _move(batch, Kind.ADJUSTED, by=by, now=now or timezone.now(), quantity=counted - batch.quantity_on_hand,
          reason=reason)
    return batch


@transaction.atomic
def write_off_expired(*, hospital: Hospital, by, now: datetime | None = None,
                      batch: StockBatch | None = None) -> list[StockMovement]:
    """Write off the free units of expired batches (one batch, or all of the hospital's); return the movements.

    Units still reserved for an order stay until that order releases them or picks another
    batch; a later write-off takes them. Raises PharmacyError when ``batch`` has not expired.
    """
    now = now or timezone.now()
    today = _today(hospital, now)
    candidates = StockBatch.objects.for_hospital(hospital).expired(today)
    if batch is not None:
        if batch.hospital_id != hospital.pk or batch.expiry_date >= today:
            raise PharmacyError(_("Only an expired batch can be written off."), field="batch")
        candidates = candidates.filter(pk=batch.pk)
    ids = list(candidates.values_list("pk", flat=True))
    movements = []
    for row in _lock_batches(ids).values():
        free = row.quantity_available
        if free > 0:
            movements.append(_move(row, Kind.WRITTEN_OFF, by=by, now=now, quantity=-free,
                                   reason=_("Expired on %(date)s") % {"date": row.expiry_date.isoformat()}))
    return movements


# Prescriptions -----------------------------------------------------------------------------

_FREQUENCY = re.compile(r"^\s*(\d+(?:\.\d+)?(?:\s*\+\s*\d+(?:\.\d+)?)+)\s*$")
_DURATION = re.compile(r"^\s*(\d+)\s*(day|days|d|week|weeks|wk|wks|month|months|mo)\b", re.IGNORECASE)
_DOSE = re.compile(r"^\s*(\d+(?:\.\d+)?|\d+\s*/\s*\d+|½)")
_DAYS_PER = {"d": 1, "day": 1, "days": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7, "month": 30, "months": 30,
             "mo": 30}


def _course_days(duration: str) -> int | None:
    match = _DURATION.match(duration or "")
    return int(match.group(1)) * _DAYS_PER[match.group(2).lower()] if match else None


def _per_dose(dose: str) -> Decimal:
    match = _DOSE.match(dose or "")
    if not match:
        return Decimal(1)
    text = match.group(1).replace(" ", "")
    if text == "½":
        return Decimal("0.5")
    if "/" in text:
        top, bottom = text.split("/")
        return Decimal(top) / Decimal(bottom) if int(bottom) else Decimal(1)
    return Decimal(text)


def prescribed_quantity(item: PrescriptionItem, medicine: Medicine) -> int:
    """How many units of ``medicine`` the prescription ``item`` allows (prescription items state no quantity).

    The rule, from how Bangladeshi prescriptions write a course:

    - tablets and capsules are counted: the doses a day (the sum of a "1+0+1" frequency) times
      the amount per dose (a leading number of the dose, "½ tablet", default 1) times the days
      of the duration ("7 days", "2 weeks", "1 month" = 30 days), rounded up;
    - any other form (a syrup, a cream, an inhaler) lasts many doses: one unit per started
      30 days of the course, at least one;
    - when the course cannot be counted (no "a+b+c" frequency or no duration in days, weeks
      or months, "continue"), at most ``UNCOUNTED_COURSE_UNITS`` units.
    """
    days = _course_days(item.duration)
    if medicine.dosage_form not in Medicine.COUNTED_FORMS:
        return max(1, math.ceil(days / 30)) if days else 1
    frequency = _FREQUENCY.match(item.frequency or "")
    if not frequency or not days:
        return UNCOUNTED_COURSE_UNITS
    per_day = sum(Decimal(part.strip()) for part in frequency.group(1).split("+"))
    units = math.ceil(per_day * _per_dose(item.dose) * days)
    return max(1, min(units, MAX_LINE_QUANTITY))


def _normal_strength(text: str) -> str:
    return re.sub(r"\s+", "", (text or "").lower())


def _names_match(item: PrescriptionItem, medicine: Medicine) -> bool:
    """The item names this medicine: its generic name (or brand name) ignoring case, and the same strength if both say one."""
    name = (item.medicine_name or "").strip().lower()
    names = {medicine.generic_name.strip().lower()}
    if medicine.brand_name:
        names.add(medicine.brand_name.strip().lower())
    if name not in names:
        return False
    return not (item.strength and medicine.strength) or _normal_strength(item.strength) == _normal_strength(
        medicine.strength)


def _name_query(medicine: Medicine) -> Q:
    query = Q(medicine_name__iexact=medicine.generic_name.strip())
    if medicine.brand_name:
        query |= Q(medicine_name__iexact=medicine.brand_name.strip())
    return query


def _quantity_bought(item: PrescriptionItem, *, excluding: MedicineOrder | None = None) -> int:
    """Units already ordered or dispensed against ``item`` (placed orders that were not cancelled or expired)."""
    lines = MedicineOrderLine.objects.filter(prescription_item=item,
                                             order__status__in=MedicineOrder.COUNTS_AGAINST_PRESCRIPTION)
    if excluding is not None:
        lines = lines.exclude(order=excluding)
    return lines.aggregate(units=Coalesce(Sum(Coalesce("quantity_dispensed", "quantity")), 0))["units"]


@dataclass(frozen=True)
class PrescribedAllowance:
    item: PrescriptionItem
    prescribed: int
    bought: int

    @property
    def remaining(self) -> int:
        return max(0, self.prescribed - self.bought)


def prescription_allowances(*, patient, medicine: Medicine, prescription: Prescription | None = None,
                            excluding: MedicineOrder | None = None) -> list[PrescribedAllowance]:
    """The patient's issued prescription items that list ``medicine``, with what each still allows, most first."""
    items = (PrescriptionItem.objects.filter(prescription__patient=patient,
                                             prescription__status=Prescription.Status.ISSUED)
             .filter(_name_query(medicine)).select_related("prescription"))
    if prescription is not None:
        items = items.filter(prescription=prescription)
    allowances = [PrescribedAllowance(item, prescribed_quantity(item, medicine), _quantity_bought(item, excluding=excluding))
                  for item in items if _names_match(item, medicine)]
    return sorted(allowances, key=lambda a: (-a.remaining, -a.item.prescription_id))


def _patients_prescription(patient, prescription) -> Prescription:
    """``prescription`` (a row or pk) if it is one of ``patient``'s issued prescriptions, else PharmacyError."""
    pk = getattr(prescription, "pk", prescription)
    found = Prescription.objects.filter(pk=pk, patient=patient, status=Prescription.Status.ISSUED).select_related(
        "hospital").first() if isinstance(pk, int) else None
    if found is None:
        raise PharmacyError(_("No such prescription among your issued prescriptions."), field="prescription")
    return found


def _prescribed_item_for(*, patient, medicine: Medicine, quantity: int, prescription=None,
                         excluding: MedicineOrder | None = None, item: int | None = None) -> PrescriptionItem | None:
    """The prescription item that covers ``quantity`` of ``medicine`` for ``patient``, or None when none is needed.

    Raises PrescriptionRequired when a prescription-only medicine has no issued prescription of
    the patient listing it, and PharmacyError (field ``quantity``) above what it allows.
    """
    chosen = _patients_prescription(patient, prescription) if prescription is not None else None
    allowances = prescription_allowances(patient=patient, medicine=medicine, prescription=chosen, excluding=excluding)
    if not allowances:
        if not medicine.prescription_only:
            return None
        raise PrescriptionRequired(
            _("%(medicine)s is sold only on prescription: it must be on an issued prescription of yours.")
            % {"medicine": medicine.display_name}, field="prescription", item=item, names_medicine=True)
    best = allowances[0]
    if medicine.prescription_only and quantity > best.remaining:
        if best.remaining == 0:
            message = _("Your prescription's %(medicine)s has all been bought already.")
        else:
            message = _("Your prescription allows at most %(count)d of %(medicine)s.")
        raise PharmacyError(message % {"count": best.remaining, "medicine": medicine.display_name}, field="quantity",
                            item=item, names_medicine=True)
    return best.item


# Carts --------------------------------------------------------------------------------------

def _check_patient(patient) -> None:
    if not getattr(patient, "is_patient", False):
        raise PharmacyError(_("Only patients can buy medicines. Sign up as a patient first."), field="patient")


def _pk(value, *, field: str, message: str, item: int | None = None) -> int:
    """A row's id from a row or an int; PharmacyError (``field``) for anything else, such as text from a request."""
    pk = getattr(value, "pk", value)
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise PharmacyError(message, field=field, item=item)
    return pk


def _shop_medicine(medicine, *, item: int | None = None) -> Medicine:
    """The medicine as the shop sells it: active, at an approved hospital; else PharmacyError."""
    message = _("This medicine is not sold here any more.")
    found = (Medicine.objects.select_related("hospital")
             .filter(pk=_pk(medicine, field="medicine", message=message, item=item), active=True,
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
    _check_patient(patient)
    quantity = _whole_number(quantity, field="quantity")
    medicine = _shop_medicine(medicine)
    cart = _locked_cart(open_cart(patient=patient, hospital=medicine.hospital), patient)
    line = cart.lines.filter(medicine=medicine).first()
    total = quantity + (line.quantity if line else 0)
    if total > MAX_LINE_QUANTITY:
        raise PharmacyError(_("At most %(count)d of one medicine per order.") % {"count": MAX_LINE_QUANTITY},
                            field="quantity")
    item = _prescribed_item_for(patient=patient, medicine=medicine, quantity=total, prescription=prescription,
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
             .filter(pk=_pk(line, field="line", message=_("No such item in your cart.")), order__patient=patient)
             .first())
    if found is None:
        raise PharmacyError(_("No such item in your cart."), field="line")
    return found


@transaction.atomic
def set_quantity(*, patient, line, quantity, now: datetime | None = None) -> MedicineOrderLine:
    """Set a cart line's quantity (1 to 1000, within the prescription for a prescription-only medicine)."""
    quantity = _whole_number(quantity, field="quantity")
    line = _own_cart_line(patient, line)
    cart = _locked_cart(line.order, patient)
    item = _prescribed_item_for(patient=patient, medicine=line.medicine, quantity=quantity,
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
    from .selectors import available_by_medicine

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
            problems.append(CartProblem(line, "short", _only_left(medicine, left)))
    return problems


def _only_left(medicine: Medicine, left: int) -> str:
    if left <= 0:
        return _("%(medicine)s is out of stock.") % {"medicine": medicine.display_name}
    return _("Only %(count)d left of %(medicine)s.") % {"count": left, "medicine": medicine.display_name}


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
    from .selectors import available_by_medicine

    _check_patient(patient)
    prescription = _patients_prescription(patient, prescription)
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
        matches = [m for m in candidates if _names_match(item, m)]
        if not matches:
            fill.not_stocked.append((item, _("Not stocked at this pharmacy.")))
            continue
        medicine = max(matches, key=lambda m: (available.get(m.pk, 0), -m.pk))
        left = available.get(medicine.pk, 0)
        if left <= 0:
            fill.not_stocked.append((item, _("Out of stock at the moment.")))
            continue
        allowed = max(0, prescribed_quantity(item, medicine) - _quantity_bought(item, excluding=cart))
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


# Checkout and reservation -------------------------------------------------------------------

def _plan_reservation(lines: list[MedicineOrderLine], batches: list[StockBatch]) -> tuple[list, list[Shortage]]:
    """Take each line's units from its medicine's batches, earliest expiry first; return (picks, shortages)."""
    by_medicine = defaultdict(list)
    for batch in sorted(batches, key=lambda b: (b.expiry_date, b.pk)):
        by_medicine[batch.medicine_id].append(batch)
    picks, shortages = [], []
    for index, line in enumerate(lines):
        wanted = line.quantity
        taken = []
        for batch in by_medicine[line.medicine_id]:
            free = batch.quantity_available - sum(q for b, q in taken if b is batch)
            if wanted <= 0:
                break
            if free > 0:
                take = min(free, wanted)
                taken.append((batch, take))
                wanted -= take
        if wanted > 0:
            left = line.quantity - wanted
            shortages.append(Shortage(index, line.medicine_id, line.quantity, left, _only_left(line.medicine, left)))
        picks.append((line, taken))
    return picks, shortages


def _reserve(order: MedicineOrder, picks, *, by, now: datetime) -> None:
    for line, taken in picks:
        for batch, quantity in taken:
            _move(batch, Kind.RESERVED, by=by, now=now, reserved=quantity, order=order,
                  reason=_("Reserved for order %(number)s") % {"number": order.number})
            allocation, created = LineAllocation.objects.get_or_create(
                line=line, batch=batch, defaults={"hospital_id": order.hospital_id, "quantity": quantity})
            if not created:
                # A released allocation keeps only what it dispensed; the new units come on top.
                base = allocation.quantity_dispensed if allocation.released else allocation.quantity
                allocation.quantity = base + quantity
                allocation.released = False
                allocation.save(update_fields=["quantity", "released"])


@transaction.atomic
def checkout(*, patient, order: MedicineOrder, now: datetime | None = None, delivery: bool = False,
             delivery_address: str = "") -> MedicineOrder:
    """cart → awaiting_payment: fix the prices and amount, reserve the stock, hold it for PAYMENT_HOLD_MINUTES.

    Every line takes its units from unexpired batches, earliest expiry first. Locks the order,
    then the medicines' batches in primary-key order, so concurrent checkouts of the last units
    queue and the later ones see what is left. Raises StockShortage ("only N left", per item),
    PrescriptionRequired, or PharmacyError (empty cart, a medicine no longer sold, delivery not
    offered or without an address); nothing is reserved then.
    """
    now = now or timezone.now()
    _check_patient(patient)
    order = _locked_cart(order, patient)
    lines = list(order.lines.select_related("medicine", "prescription_item").order_by("pk"))
    if not lines:
        raise PharmacyError(_("Your cart is empty."), field="items")
    if delivery:
        offer = pharmacy_settings(order.hospital)
        if not offer.delivery_offered:
            raise PharmacyError(_("%(hospital)s does not deliver medicines; collect them at the pharmacy.")
                                % {"hospital": order.hospital.name}, field="delivery")
        delivery_address = _text(delivery_address, field="delivery_address", required=True, max_length=500,
                                 label=_("Delivery address"))
        order.delivery, order.delivery_address, order.delivery_fee = True, delivery_address, offer.delivery_fee
    for index, line in enumerate(lines):
        if not line.medicine.active:
            raise PharmacyError(_("%(medicine)s is no longer sold; remove it to check out.")
                                % {"medicine": line.medicine.display_name}, field="medicine", item=index,
                                names_medicine=True)
        item = _prescribed_item_for(patient=patient, medicine=line.medicine, quantity=line.quantity,
                                    prescription=(line.prescription_item.prescription_id
                                                  if line.prescription_item_id else None),
                                    excluding=order, item=index)
        if item is not None and item.pk != line.prescription_item_id:
            line.prescription_item = item
            line.save(update_fields=["prescription_item"])
    today = _today(order.hospital, now)
    ids = StockBatch.objects.filter(medicine_id__in={line.medicine_id for line in lines}).unexpired(today).values_list(
        "pk", flat=True)
    batches = list(_lock_batches(ids).values())
    picks, shortages = _plan_reservation(lines, batches)
    if shortages:
        raise StockShortage(shortages)
    total = ZERO
    for line in lines:
        line.price = line.medicine.unit_price
        line.unit_price = line.medicine.unit_price
        line.save(update_fields=["price", "unit_price"])
        total += line.price * line.quantity
    amount = total + order.delivery_fee
    if 0 < amount < MIN_PAYABLE_AMOUNT:
        raise PharmacyError(_("The smallest order that can be paid online is %(minimum)s; add a little more.")
                            % {"minimum": money(MIN_PAYABLE_AMOUNT, lines[0].medicine.currency)}, field="items")
    _reserve(order, picks, by=patient, now=now)
    order.amount = amount
    order.currency = lines[0].medicine.currency
    order.checked_out_at = now
    order.hold_expires_at = now + timedelta(minutes=payment_hold_minutes())
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
    _check_patient(patient)
    if not isinstance(items, list) or not items:
        raise PharmacyError(_("Add at least one medicine."), field="items")
    cart = _locked_cart(open_cart(patient=patient, hospital=hospital), patient)
    cart.lines.all().delete()
    seen = set()
    for index, entry in enumerate(items):
        if not isinstance(entry, dict):
            raise PharmacyError(_("Each item needs a medicine and a quantity."), field="items", item=index)
        quantity = _whole_number(entry.get("quantity"), field="quantity", item=index)
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
        item = _prescribed_item_for(patient=patient, medicine=medicine, quantity=quantity, prescription=prescription,
                                    excluding=cart, item=index)
        MedicineOrderLine.objects.create(hospital_id=hospital.pk, order=cart, medicine=medicine, quantity=quantity,
                                         unit_price=medicine.unit_price, prescription_item=item)
        if item is not None and cart.prescription_id is None:
            cart.prescription_id = item.prescription_id
    cart.save(update_fields=["prescription", "updated_at"])
    return checkout(patient=patient, order=cart, now=now, delivery=delivery, delivery_address=delivery_address)


def _release(order: MedicineOrder, *, by, now: datetime, reason: str) -> None:
    """Give back every unit still reserved for ``order`` (released movements); allocations are marked released."""
    allocations = list(LineAllocation.objects.filter(line__order=order, released=False).order_by("batch_id"))
    batches = _lock_batches(a.batch_id for a in allocations)
    for allocation in allocations:
        left = allocation.quantity - allocation.quantity_dispensed
        if left > 0:
            _move(batches[allocation.batch_id], Kind.RELEASED, by=by, now=now, reserved=-left, order=order,
                  reason=reason)
        allocation.released = True
        allocation.save(update_fields=["released"])


# Status moves ---------------------------------------------------------------------------------

def _context(order: MedicineOrder, **extra) -> dict:
    return {"order_number": order.number, "hospital_name": order.hospital.name, "patient_name": order.patient.full_name,
            "amount": money(order.amount, order.currency), "delivery": order.delivery, "reason": order.status_reason,
            **extra}


def _notify_patient(order: MedicineOrder, event: str, **extra) -> None:
    notify(order.patient, event, _context(order, **extra), url=order.payment_return_url(),
           group=f"{order.payable_kind}:{order.pk}")


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
    _release(order, by=by, now=now, reason=_("Order %(number)s not paid in time") % {"number": order.number})
    order.hold_expires_at = None
    order.transition_to(Status.EXPIRED, by=by, reason=_("Payment not received in time."), fields=["hold_expires_at"])
    _notify_patient(order, "medicine_order_expired")
    return order


def expire_stale_medicine_holds(*, now: datetime | None = None) -> int:
    """Expire every awaiting-payment medicine order whose hold ran out, releasing its stock; return how many.

    Run every minute by pharmacy.tasks; one query and no transaction when nothing is stale.
    Each order is moved under its own lock (rows another process holds are left for next time).
    """
    now = now or timezone.now()
    stale = MedicineOrder.objects.stale_holds(now)
    ids = list(stale.values_list("pk", flat=True)[:500])
    expired = 0
    for pk in ids:
        with transaction.atomic():
            order = stale.filter(pk=pk).select_for_update(skip_locked=True).first()
            if order is not None:
                expire_order(order=order, now=now)
                expired += 1
    return expired


def _may_act_for_hospital(user, hospital_id: int, roles=("pharmacist", "admin")) -> bool:
    return Membership.objects.active().filter(user=user, hospital_id=hospital_id, role__in=roles).exists()


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
    if not by_patient and not _may_act_for_hospital(by, order.hospital_id):
        raise PharmacyError(_("No such order."), field="order")
    reason = _text(reason, field="reason", required=not by_patient, max_length=500, label=_("Reason"))
    order.check_can_become(Status.CANCELLED)
    paid = order.status in (Status.PAID, Status.PREPARING)
    _release(order, by=by, now=now, reason=_("Order %(number)s cancelled") % {"number": order.number})
    order.status_reason = reason
    order.hold_expires_at = None
    was_cart = order.status == Status.CART
    order.transition_to(Status.CANCELLED, by=by, reason=reason, fields=["status_reason", "hold_expires_at"])
    if paid:
        refund_order(order, reason=_("Medicine order %(number)s cancelled before it was ready.")
                     % {"number": order.number}, by=by)
    if not was_cart:
        _notify_patient(order, "medicine_order_cancelled", paid=paid)
    return order


def _replace_expired_allocations(order: MedicineOrder, *, by, now: datetime) -> None:
    """Move units reserved on batches that have since expired to unexpired batches, earliest expiry first.

    What cannot be moved stays short (the pharmacist fills it partly). Locks the batches involved in id order.
    """
    today = _today(order.hospital, now)
    stale = list(LineAllocation.objects.filter(line__order=order, released=False, batch__expiry_date__lt=today)
                 .select_related("line", "line__medicine"))
    if not stale:
        return
    medicine_ids = {a.line.medicine_id for a in stale}
    ids = set(StockBatch.objects.filter(medicine_id__in=medicine_ids).unexpired(today).values_list("pk", flat=True))
    batches = _lock_batches(ids | {a.batch_id for a in stale})
    for allocation in stale:
        left = allocation.quantity - allocation.quantity_dispensed
        batch = batches[allocation.batch_id]
        _move(batch, Kind.RELEASED, by=by, now=now, reserved=-left, order=order,
              reason=_("Batch expired before dispensing"))
        allocation.released = True
        allocation.save(update_fields=["released"])
        line = allocation.line
        fresh = [b for b in batches.values() if b.medicine_id == line.medicine_id and b.expiry_date >= today]
        shadow = MedicineOrderLine(pk=line.pk, medicine=line.medicine, quantity=left)
        picks, _short = _plan_reservation([shadow], fresh)
        _reserve(order, [(line, taken) for _l, taken in picks], by=by, now=now)


@transaction.atomic
def start_preparing(*, order: MedicineOrder, by, now: datetime | None = None) -> MedicineOrder:
    """paid → preparing. The proposed batches are the reservation, earliest expiry first (``selectors.pick_list``);
    units reserved on a batch that has expired since checkout move to another batch first."""
    now = now or timezone.now()
    order = locked(order, MedicineOrder.objects.with_people())
    order.check_can_become(Status.PREPARING)
    _replace_expired_allocations(order, by=by, now=now)
    order.transition_to(Status.PREPARING, by=by)
    return order


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
    _replace_expired_allocations(order, by=by, now=now)
    lines = list(order.lines.select_related("medicine").order_by("pk"))
    allocations = defaultdict(list)
    for allocation in LineAllocation.objects.filter(line__order=order, released=False).select_related("batch"):
        allocations[allocation.line_id].append(allocation)
    dispensed = dispensed or {}
    unknown = set(dispensed) - {line.pk for line in lines}
    if unknown:
        raise PharmacyError(_("That item is not in this order."), field="dispensed")
    plan, refund, short_lines = [], ZERO, []
    for index, line in enumerate(lines):
        reserved = sum(a.quantity - a.quantity_dispensed for a in allocations[line.pk])
        handed = dispensed.get(line.pk, reserved)
        handed = _whole_number(handed, field="dispensed", item=index, low=0, high=reserved)
        plan.append((line, handed))
        if handed < line.quantity:
            short_lines.append(line)
            refund += (line.quantity - handed) * line.charged_unit_price
    if not any(handed for _line, handed in plan):
        raise PharmacyError(_("Nothing would be dispensed; cancel the order instead."), field="dispensed")
    note = _text(note, field="note", required=bool(short_lines), max_length=1000, label=_("A note on what was not filled"))
    batches = _lock_batches(a.batch_id for group in allocations.values() for a in group)
    for line, handed in plan:
        to_hand = handed
        for allocation in sorted(allocations[line.pk], key=lambda a: (a.batch.expiry_date, a.batch_id)):
            batch = batches[allocation.batch_id]
            left = allocation.quantity - allocation.quantity_dispensed
            take = min(left, to_hand)
            if take:
                _move(batch, Kind.DISPENSED, by=by, now=now, quantity=-take, reserved=-take, order=order,
                      reason=_("Dispensed for order %(number)s") % {"number": order.number})
                allocation.quantity_dispensed += take
                to_hand -= take
            if left - take:
                _move(batch, Kind.RELEASED, by=by, now=now, reserved=-(left - take), order=order,
                      reason=_("Not filled for order %(number)s") % {"number": order.number})
            allocation.released = True
            allocation.save(update_fields=["quantity_dispensed", "released"])
        line.quantity_dispensed = handed
        line.save(update_fields=["quantity_dispensed"])
    order.fill_note, order.refund_due, order.ready_at = note, refund, now
    order.transition_to(Status.READY, by=by, reason=note, fields=["fill_note", "refund_due", "ready_at"])
    if refund > 0:
        refund_order(order, amount=refund, by=by, reason=_("Part of medicine order %(number)s not filled: %(note)s")
                     % {"number": order.number, "note": note})
    _notify_patient(order, "medicine_order_ready", fill_note=note,
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
    _notify_patient(order, "medicine_order_out_for_delivery")
    return order


@transaction.atomic
def mark_delivered(*, order: MedicineOrder, by, now: datetime | None = None) -> MedicineOrder:
    """out_for_delivery → delivered."""
    order = locked(order, MedicineOrder.objects.with_people())
    order.transition_to(Status.DELIVERED, by=by)
    return order


# The pharmacist's read of a prescription ----------------------------------------------------

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
    found = order_prescriptions(order).filter(pk=_pk(prescription, field="prescription", message=message)).first()
    if found is None:
        raise PharmacyError(message, field="prescription")
    append_access_log(accessor=reader, hospital=hospital, role=role, patient=found.patient,
                      object_type=AccessLog.ObjectType.PRESCRIPTION, object_id=found.pk,
                      label=f"{found.label} (medicine order {order.number})", now=now)
    return found
