"""What the pharmacy's service modules share: their errors, input cleaning, who may act, telling the patient.

Private to ``pharmacy.services``; callers use the names the package exports.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from healthstack.localtime import local_date
from healthstack.templatetags.money import money
from hospitals.models import Membership
from notifications.services import notify

from ..models import MAX_LINE_QUANTITY, Medicine, MedicineOrder, PharmacyError, StockMovement

Status = MedicineOrder.Status
Kind = StockMovement.Kind
MAX_BATCH_QUANTITY = 1_000_000
MAX_PRICE = Decimal("9999999999.99")


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


def local_today(hospital, now: datetime | None) -> date:
    """The date of ``now`` (default: this moment) in the hospital's time zone."""
    return local_date(now or timezone.now(), hospital)


def only_left(medicine: Medicine, left: int) -> str:
    if left <= 0:
        return _("%(medicine)s is out of stock.") % {"medicine": medicine.display_name}
    return _("Only %(count)d left of %(medicine)s.") % {"count": left, "medicine": medicine.display_name}


def whole_number(value, *, field: str, item: int | None = None, low: int = 1, high: int = MAX_LINE_QUANTITY) -> int:
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


def amount(value, *, field: str) -> Decimal:
    """A money amount of at most two decimals, zero or more."""
    message = _("Enter an amount of zero or more, with at most two decimals.")
    if isinstance(value, bool) or value is None or isinstance(value, float) and not math.isfinite(value):
        raise PharmacyError(message, field=field)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise PharmacyError(message, field=field) from None
    if not number.is_finite() or number < 0 or number > MAX_PRICE or number != number.quantize(Decimal("0.01")):
        raise PharmacyError(message, field=field)
    return number.quantize(Decimal("0.01"))


def text(value, *, field: str, required: bool = False, max_length: int = 120, label: str = "") -> str:
    cleaned = str(value or "").strip()
    if required and not cleaned:
        raise PharmacyError(_("%(label)s is required.") % {"label": label or field.replace("_", " ").capitalize()},
                            field=field)
    if len(cleaned) > max_length:
        raise PharmacyError(_("At most %(count)d characters.") % {"count": max_length}, field=field)
    return cleaned


def pk_of(value, *, field: str, message: str, item: int | None = None) -> int:
    """A row's id from a row or an int; PharmacyError (``field``) for anything else, such as text from a request."""
    pk = getattr(value, "pk", value)
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise PharmacyError(message, field=field, item=item)
    return pk


def check_patient(patient) -> None:
    if not getattr(patient, "is_patient", False):
        raise PharmacyError(_("Only patients can buy medicines. Sign up as a patient first."), field="patient")


def may_act_for_hospital(user, hospital_id: int, roles=("pharmacist", "admin")) -> bool:
    return Membership.objects.active().filter(user=user, hospital_id=hospital_id, role__in=roles).exists()


def _context(order: MedicineOrder, **extra) -> dict:
    return {"order_number": order.number, "hospital_name": order.hospital.name, "patient_name": order.patient.full_name,
            "amount": money(order.amount, order.currency), "delivery": order.delivery, "reason": order.status_reason,
            **extra}


def notify_patient(order: MedicineOrder, event: str, **extra) -> None:
    notify(order.patient, event, _context(order, **extra), url=order.payment_return_url(),
           group=f"{order.payable_kind}:{order.pk}")
