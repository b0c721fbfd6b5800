"""Writes with rules for the laboratory: the catalogue, carts and orders, samples, results and reports.

Every status move of a LabOrder goes through one function here: each reads the order with
``healthstack.status.locked``, moves it with ``transition_to`` (which checks
``LabOrder.TRANSITIONS`` and writes a LabOrderStatusChange) and tells the people concerned
after commit through notify(). Every refusal is a LabError (or a subclass) whose message can
be shown and whose ``field`` / ``message_dict`` name the input at fault; nothing is written
when one is raised.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from healthstack.localtime import hospital_now, local_date
from healthstack.realtime import LIVE_UPDATE, broadcast, user_group
from healthstack.status import locked
from healthstack.templatetags.money import money
from healthstack.verification import issue_document_code, supersede_document_code
from hospitals.models import Membership
from notifications.services import notify
from records.models import AccessLog, Prescription
from records.services import append_access_log

from .links import DESK_ORDER, DESK_REPORT, PATIENT_REPORT, link
from .models import (
    AccessionCounter,
    Analyte,
    CartError,
    CatalogueError,
    InvalidTransition,
    LabAccessDenied,
    LabError,
    LabOrder,
    LabOrderLine,
    LabReport,
    LabResult,
    LabTest,
    PrescriptionLabTest,
    ReferenceRange,
    ResultError,
)
from .payable import order_url, refund_lab_order
from .permissions import LAB_STAFF_ROLES, can_view_report, may_acknowledge
from .ranges import age_in_days, choose_range, flag, range_problem, ranges_assumed

__all__ = ["LabError", "CatalogueError", "CartError", "ResultError", "InvalidTransition", "LabAccessDenied"]

Status = LabOrder.Status
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_PRICE = Decimal("10000000")
MAX_TURNAROUND_HOURS = 24 * 90
STAFF_CANCEL_ROLES = LAB_STAFF_ROLES


def payment_hold_minutes() -> int:
    return getattr(settings, "PAYMENT_HOLD_MINUTES", 15)


def critical_escalation_minutes() -> int:
    return getattr(settings, "LAB_CRITICAL_ESCALATION_MINUTES", 30)


# --- Input ---------------------------------------------------------------------------------------


def _text(value, field: str, *, required: bool = True, max_length: int = 150, error=CatalogueError) -> str:
    text = str(value if value is not None else "").strip()
    if required and not text:
        raise error(_("This field is required."), field=field)
    if len(text) > max_length:
        raise error(_("Keep this to %(count)d characters.") % {"count": max_length}, field=field)
    return text


def _decimal(value, field: str, *, required: bool = False, error=CatalogueError) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise error(_("This field is required."), field=field)
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise error(_("Enter a number."), field=field) from None
    if not number.is_finite():
        raise error(_("Enter a number."), field=field)
    return number


def _integer(value, field: str, *, minimum: int, maximum: int, required: bool = True) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise CatalogueError(_("This field is required."), field=field)
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise CatalogueError(_("Enter a whole number."), field=field) from None
    if not minimum <= number <= maximum:
        raise CatalogueError(_("Enter a number from %(low)d to %(high)d.") % {"low": minimum, "high": maximum},
                             field=field)
    return number


def _boolean(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


# --- The catalogue ---------------------------------------------------------------------------------

TEST_FIELDS = ("code", "name", "section", "sample_type", "preparation", "price", "turnaround_hours", "active",
               "requires_prescription")


def _clean_test_fields(hospital, fields: dict, *, instance: LabTest | None = None) -> dict:
    unknown = set(fields) - set(TEST_FIELDS)
    if unknown:
        raise CatalogueError(_("Unknown field."), field=sorted(unknown)[0])
    clean = {}
    if "code" in fields:
        code = _text(fields["code"], "code", max_length=20)
        if not CODE_PATTERN.match(code):
            raise CatalogueError(
                _("Use letters, digits, dots, dashes or underscores, starting with a letter or digit."), field="code")
        taken = LabTest.objects.for_hospital(hospital).filter(code__iexact=code)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            raise CatalogueError(_("This hospital already has a test with the code %(code)s.") % {"code": code},
                                 field="code")
        clean["code"] = code
    if "name" in fields:
        clean["name"] = _text(fields["name"], "name")
    if "section" in fields:
        if fields["section"] not in LabTest.Section.values:
            raise CatalogueError(_("Choose a section from the list."), field="section")
        clean["section"] = fields["section"]
    if "sample_type" in fields:
        clean["sample_type"] = _text(fields["sample_type"], "sample_type", max_length=80)
    if "preparation" in fields:
        clean["preparation"] = _text(fields["preparation"], "preparation", required=False, max_length=1000)
    if "price" in fields:
        price = _decimal(fields["price"], "price", required=True)
        if price < 0:
            raise CatalogueError(_("A price cannot be negative."), field="price")
        if price >= MAX_PRICE or price != price.quantize(Decimal("0.01")):
            raise CatalogueError(_("Enter a price below 10,000,000 with at most two decimals."), field="price")
        clean["price"] = price.quantize(Decimal("0.01"))
    if "turnaround_hours" in fields:
        clean["turnaround_hours"] = _integer(fields["turnaround_hours"], "turnaround_hours", minimum=1,
                                             maximum=MAX_TURNAROUND_HOURS)
    for name in ("active", "requires_prescription"):
        if name in fields:
            clean[name] = _boolean(fields[name])
    return clean


@transaction.atomic
def create_lab_test(*, hospital, by, code, name, section, sample_type, price, preparation: str = "",
                    turnaround_hours=24, active: bool = True, requires_prescription: bool = False) -> LabTest:
    """Add a test to ``hospital``'s catalogue; return it.

    Raises CatalogueError (with the field) for a missing or malformed value or a code the
    hospital already uses, in any letter case.
    """
    fields = _clean_test_fields(hospital, dict(
        code=code, name=name, section=section, sample_type=sample_type, price=price, preparation=preparation,
        turnaround_hours=turnaround_hours, active=active, requires_prescription=requires_prescription,
    ))
    try:
        with transaction.atomic():
            return LabTest.objects.create(hospital=hospital, **fields)
    except IntegrityError:
        raise CatalogueError(_("This hospital already has a test with the code %(code)s.") % {"code": fields["code"]},
                             field="code") from None


@transaction.atomic
def update_lab_test(*, lab_test: LabTest, by, **fields) -> LabTest:
    """Change some of a test's fields (``TEST_FIELDS``); a price change applies to carts from now on
    (``cart_problems`` tells the patients whose carts hold the old price); paid orders keep theirs."""
    lab_test = LabTest.objects.select_for_update().get(pk=lab_test.pk)
    clean = _clean_test_fields(lab_test.hospital, fields, instance=lab_test)
    for name, value in clean.items():
        setattr(lab_test, name, value)
    try:
        with transaction.atomic():
            lab_test.save()
    except IntegrityError:
        raise CatalogueError(_("This hospital already has a test with the code %(code)s.") % {"code": lab_test.code},
                             field="code") from None
    return lab_test


ANALYTE_FIELDS = ("name", "unit", "result_kind", "choices", "decimals", "max_value", "order")


def _clean_analyte_fields(lab_test: LabTest, fields: dict, *, instance: Analyte | None = None) -> dict:
    unknown = set(fields) - set(ANALYTE_FIELDS)
    if unknown:
        raise CatalogueError(_("Unknown field."), field=sorted(unknown)[0])
    clean = {}
    if "name" in fields:
        clean["name"] = _text(fields["name"], "name", max_length=120)
        taken = lab_test.analytes.filter(name__iexact=clean["name"])
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            raise CatalogueError(_("This test already has an analyte of that name."), field="name")
    if "unit" in fields:
        clean["unit"] = _text(fields["unit"], "unit", required=False, max_length=30)
    if "result_kind" in fields:
        if fields["result_kind"] not in Analyte.Kind.values:
            raise CatalogueError(_("Choose number, text or choice."), field="result_kind")
        clean["result_kind"] = fields["result_kind"]
    if "choices" in fields:
        clean["choices"] = "\n".join(
            line.strip() for line in str(fields["choices"] or "").splitlines() if line.strip())
    if "decimals" in fields:
        clean["decimals"] = _integer(fields["decimals"], "decimals", minimum=0, maximum=6)
    if "max_value" in fields:
        maximum = _decimal(fields["max_value"], "max_value", required=True)
        if maximum <= 0 or maximum > Decimal("1000000000"):
            raise CatalogueError(_("Enter a positive number up to 1,000,000,000."), field="max_value")
        clean["max_value"] = maximum
    if "order" in fields:
        clean["order"] = _integer(fields["order"], "order", minimum=0, maximum=1000)
    kind = clean.get("result_kind", instance.result_kind if instance else Analyte.Kind.NUMERIC)
    choices = clean.get("choices", instance.choices if instance else "")
    if kind == Analyte.Kind.CHOICE and len([c for c in choices.splitlines() if c.strip()]) < 2:
        raise CatalogueError(_("Give at least two choices, one per line."), field="choices")
    return clean


@transaction.atomic
def add_analyte(*, lab_test: LabTest, name, unit: str = "", result_kind: str = Analyte.Kind.NUMERIC,
                choices: str = "", decimals=1, max_value=None, order=None) -> Analyte:
    """Add an analyte to a test (placed last unless ``order`` is given); raises CatalogueError with the field."""
    lab_test = LabTest.objects.select_for_update().get(pk=lab_test.pk)
    fields = dict(name=name, unit=unit, result_kind=result_kind, choices=choices, decimals=decimals)
    if max_value is not None:
        fields["max_value"] = max_value
    if order is not None:
        fields["order"] = order
    clean = _clean_analyte_fields(lab_test, fields)
    if "order" not in clean:
        clean["order"] = (lab_test.analytes.aggregate(last=Max("order"))["last"] or 0) + 1
    return Analyte.objects.create(hospital_id=lab_test.hospital_id, lab_test=lab_test, **clean)


@transaction.atomic
def update_analyte(*, analyte: Analyte, **fields) -> Analyte:
    """Change some of an analyte's fields (``ANALYTE_FIELDS``); reports already made keep what they printed."""
    analyte = Analyte.objects.select_for_update().select_related("lab_test").get(pk=analyte.pk)
    for name, value in _clean_analyte_fields(analyte.lab_test, fields, instance=analyte).items():
        setattr(analyte, name, value)
    analyte.save()
    return analyte


RANGE_FIELDS = ("sex", "age_from_days", "age_to_days", "low", "high", "critical_low", "critical_high",
                "interpretation")
MAX_AGE_DAYS = 150 * 366


def _apply_range_fields(reference: ReferenceRange, fields: dict) -> ReferenceRange:
    unknown = set(fields) - set(RANGE_FIELDS)
    if unknown:
        raise CatalogueError(_("Unknown field."), field=sorted(unknown)[0])
    if "sex" in fields:
        if fields["sex"] not in ReferenceRange.Sex.values:
            raise CatalogueError(_("Choose any, female or male."), field="sex")
        reference.sex = fields["sex"]
    if "age_from_days" in fields:
        reference.age_from_days = _integer(fields["age_from_days"], "age_from_days", minimum=0, maximum=MAX_AGE_DAYS)
    if "age_to_days" in fields:
        reference.age_to_days = _integer(fields["age_to_days"], "age_to_days", minimum=0, maximum=MAX_AGE_DAYS,
                                         required=False)
    for name in ("low", "high", "critical_low", "critical_high"):
        if name in fields:
            value = _decimal(fields[name], name)
            if value is not None and abs(value) >= Decimal("1000000000000"):
                raise CatalogueError(_("Enter a smaller number."), field=name)
            setattr(reference, name, value)
    if "interpretation" in fields:
        reference.interpretation = _text(fields["interpretation"], "interpretation", required=False, max_length=1000)
    return reference


def _save_range(reference: ReferenceRange) -> ReferenceRange:
    # The analyte's row is the lock: two ranges saved at once cannot both miss each other's overlap.
    analyte = Analyte.objects.select_for_update().get(pk=reference.analyte_id)
    if not analyte.is_numeric:
        raise CatalogueError(_("Only numeric analytes have reference ranges."), field="analyte")
    if all(getattr(reference, name) is None for name in ("low", "high", "critical_low", "critical_high")):
        raise CatalogueError(_("Give at least one limit."), field="low")
    problem = range_problem(reference)
    if problem is not None:
        raise CatalogueError(problem.message, field=problem.field)
    reference.save()
    return reference


@transaction.atomic
def add_reference_range(*, analyte: Analyte, **fields) -> ReferenceRange:
    """Add a reference range to a numeric analyte; return it.

    Raises CatalogueError (with the field) for limits out of order
    (critical_low ≤ low ≤ high ≤ critical_high) or a band overlapping another range of the
    same sex ("any" overlaps both) and age. Locks the analyte row.
    """
    reference = ReferenceRange(analyte_id=analyte.pk, hospital_id=analyte.hospital_id)
    return _save_range(_apply_range_fields(reference, fields))


@transaction.atomic
def update_reference_range(*, reference_range: ReferenceRange, **fields) -> ReferenceRange:
    """Change a reference range under the same rules as ``add_reference_range``; reports keep their copy."""
    reference = ReferenceRange.objects.select_for_update().get(pk=reference_range.pk)
    return _save_range(_apply_range_fields(reference, fields))


@transaction.atomic
def delete_reference_range(*, reference_range: ReferenceRange) -> None:
    """Remove a reference range (reports made with it keep their copy of its limits)."""
    ReferenceRange.objects.filter(pk=reference_range.pk).delete()


# --- Recommendations on a prescription -------------------------------------------------------------


def _tests_of(hospital, tests, *, field: str) -> list[LabTest]:
    """``tests`` (LabTests or ids) as the hospital's active tests, in the order given, without repeats."""
    wanted = []
    for test in tests or ():
        pk = getattr(test, "pk", test)
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise CartError(_("Choose tests from the catalogue."), field=field) from None
        if pk not in wanted:
            wanted.append(pk)
    found = LabTest.objects.for_hospital(hospital).in_bulk(wanted)
    for pk in wanted:
        if pk not in found:
            raise CartError(_("Test %(id)s is not in %(hospital)s's catalogue.")
                            % {"id": pk, "hospital": hospital.name}, field=field)
        if not found[pk].active:
            raise CartError(_("%(test)s is no longer offered.") % {"test": found[pk].name}, field=field)
    return [found[pk] for pk in wanted]


@transaction.atomic
def recommend_tests(*, prescription: Prescription, tests, by) -> list[PrescriptionLabTest]:
    """Set the catalogue tests a draft prescription recommends (replacing any earlier choice); return the links.

    ``tests`` are LabTests (or ids) of the prescription's hospital that are offered. Raises
    CartError (field ``lab_tests``) for another hospital's or a withdrawn test, an issued
    prescription (it never changes) or someone other than its doctor. Locks the prescription.
    """
    prescription = locked(prescription, Prescription.objects.select_related("membership", "hospital"))
    if prescription.membership.user_id != getattr(by, "pk", None):
        raise CartError(_("Only the doctor writing this prescription can recommend its tests."), field="lab_tests")
    if not prescription.is_draft:
        raise CartError(_("An issued prescription never changes; correct it to recommend other tests."),
                        field="lab_tests")
    chosen = _tests_of(prescription.hospital, tests, field="lab_tests")
    PrescriptionLabTest.objects.filter(prescription=prescription).exclude(lab_test__in=chosen).delete()
    kept = set(PrescriptionLabTest.objects.filter(prescription=prescription).values_list("lab_test_id", flat=True))
    PrescriptionLabTest.objects.bulk_create([
        PrescriptionLabTest(hospital_id=prescription.hospital_id, prescription=prescription, lab_test=test)
        for test in chosen if test.pk not in kept
    ])
    return list(PrescriptionLabTest.objects.filter(prescription=prescription).select_related("lab_test"))


# --- Carts -------------------------------------------------------------------------------------------


def _check_patient(patient) -> None:
    if not getattr(patient, "is_patient", False):
        raise CartError(_("Only patients can order lab tests. Sign up as a patient first."), field="patient")


def _own_issued(prescription, patient) -> Prescription:
    if prescription is None:
        return None
    if not isinstance(prescription, Prescription):
        try:
            prescription = Prescription.objects.filter(pk=int(prescription)).first()
        except (TypeError, ValueError):
            prescription = None
    if (prescription is None or prescription.patient_id != patient.pk
            or prescription.status != Prescription.Status.ISSUED):
        raise CartError(_("Choose one of your issued prescriptions."), field="prescription")
    return prescription


def _authorising_prescription(patient, lab_test: LabTest, prescription: Prescription | None) -> Prescription | None:
    """The prescription that lets ``patient`` order ``lab_test``: the one given if it recommends the test,
    else (for a prescription-only test) any issued one of theirs that does. Raises CartError for none."""
    recommending = PrescriptionLabTest.objects.filter(
        lab_test=lab_test, prescription__patient=patient, prescription__status=Prescription.Status.ISSUED)
    if prescription is not None and recommending.filter(prescription=prescription).exists():
        return prescription
    if not lab_test.requires_prescription:
        return None
    if prescription is not None:
        raise CartError(_("This prescription does not recommend %(test)s.") % {"test": lab_test.name},
                        field="prescription")
    found = recommending.select_related("prescription").order_by("-prescription__issued_at").first()
    if found is None:
        raise CartError(_("%(test)s needs a prescription: a doctor must recommend it on one of your prescriptions.")
                        % {"test": lab_test.name}, field="lab_test")
    return found.prescription


def _check_orderable(lab_test: LabTest) -> None:
    if not lab_test.active:
        raise CartError(_("%(test)s is no longer offered.") % {"test": lab_test.name}, field="lab_test")
    if lab_test.hospital.status != lab_test.hospital.Status.APPROVED:
        raise CartError(_("%(hospital)s is not taking lab orders.") % {"hospital": lab_test.hospital.name},
                        field="lab_test")


def _lock_patient(patient) -> None:
    """Serialise one patient's cart changes (two tabs adding at once)."""
    get_user_model().objects.select_for_update().filter(pk=patient.pk).first()


def _open_cart(patient, hospital) -> LabOrder:
    cart = LabOrder.objects.for_patient(patient).for_hospital(hospital).carts().first()
    if cart is None:
        cart = LabOrder.objects.create(hospital=hospital, patient=patient, status=Status.CART,
                                       currency="BDT")
        cart.record_status(from_status="", by=patient)
    return locked(cart)


def _link_prescription(order: LabOrder, prescription: Prescription | None) -> None:
    if prescription is not None and order.prescription_id is None:
        order.prescription = prescription
        order.ordering_membership_id = prescription.membership_id
        order.save(update_fields=["prescription", "ordering_membership", "updated_at"])


@transaction.atomic
def add_to_cart(*, patient, lab_test: LabTest, prescription=None, now: datetime | None = None) -> LabOrderLine:
    """Put ``lab_test`` in ``patient``'s cart for its hospital (opened if needed); return the new line.

    One open cart per patient per hospital, so two hospitals are never in one cart. The line
    keeps today's price. A prescription-only test needs an issued prescription of this patient
    that recommends it (``prescription``, or found among theirs). Raises CartError with the
    field: not a patient, a withdrawn test, someone else's or an unrelated prescription, a test
    already in the cart. Locks the patient's user row and the cart.
    """
    _check_patient(patient)
    lab_test = LabTest.objects.select_related("hospital").get(pk=lab_test.pk)
    _check_orderable(lab_test)
    prescription = _authorising_prescription(patient, lab_test, _own_issued(prescription, patient))
    _lock_patient(patient)
    cart = _open_cart(patient, lab_test.hospital)
    if cart.lines.filter(lab_test=lab_test).exists():
        raise CartError(_("%(test)s is already in your cart.") % {"test": lab_test.name}, field="lab_test")
    line = LabOrderLine.objects.create(hospital_id=cart.hospital_id, order=cart, lab_test=lab_test,
                                       prescription=prescription, price=lab_test.price)
    _link_prescription(cart, prescription)
    return line


@transaction.atomic
def remove_from_cart(*, line: LabOrderLine, by) -> LabOrder:
    """Take a test out of its patient's open cart; return the cart. Raises CartError otherwise."""
    order = locked(LabOrder(pk=line.order_id))
    if order.patient_id != getattr(by, "pk", None):
        raise CartError(_("This is not your cart."), field="line")
    if order.status != Status.CART:
        raise CartError(_("This order is checked out; its tests can no longer change."), field="line")
    LabOrderLine.objects.filter(pk=line.pk, order=order).delete()
    if order.prescription_id and not order.lines.filter(prescription__isnull=False).exists():
        order.prescription = None
        order.ordering_membership = None
        order.save(update_fields=["prescription", "ordering_membership", "updated_at"])
    return order


@dataclass(frozen=True)
class CartProblem:
    """A line of a cart that cannot be checked out as it stands, and why (kind "inactive" or "repriced")."""

    line: LabOrderLine
    kind: str
    message: str


def cart_problems(order: LabOrder, *, lines=None) -> list[CartProblem]:
    """What changed in the catalogue since the cart's lines were added: withdrawn tests and new prices.

    ``lines`` (with their lab_test, e.g. from ``LabOrder.objects.with_lines()``) saves the query.
    """
    lines = list(order.lines.select_related("lab_test") if lines is None else lines)
    problems = []
    for line in lines:
        test = line.lab_test
        if not test.active:
            problems.append(CartProblem(line, "inactive", _("%(test)s is no longer offered; remove it.")
                                        % {"test": test.name}))
        elif test.price != line.price:
            problems.append(CartProblem(line, "repriced", _(
                "The price of %(test)s changed from %(old)s to %(new)s since you added it.") % {
                "test": test.name, "old": money(line.price, test.currency), "new": money(test.price, test.currency)}))
    return problems


@transaction.atomic
def accept_cart_changes(*, order: LabOrder, by) -> LabOrder:
    """The patient accepts the catalogue's changes: withdrawn tests leave the cart, the others take today's price."""
    order = locked(order)
    if order.patient_id != getattr(by, "pk", None) or order.status != Status.CART:
        raise CartError(_("This is not your open cart."), field="lines")
    for problem in cart_problems(order):
        if problem.kind == "inactive":
            problem.line.delete()
        else:
            problem.line.price = problem.line.lab_test.price
            problem.line.save(update_fields=["price"])
    return order


def _preparation(lines) -> list[dict]:
    return [{"test": line.lab_test.name, "sample_type": line.lab_test.sample_type,
             "preparation": line.lab_test.preparation} for line in lines]


@transaction.atomic
def checkout(*, order: LabOrder, by, now: datetime | None = None) -> LabOrder:
    """cart → awaiting_payment: fix the amount from today's prices and hold it ``PAYMENT_HOLD_MINUTES``.

    Refuses (CartError, field ``lines``) an empty cart or one whose tests were withdrawn or
    repriced since they were added (``cart_problems``): the patient reviews it first. An
    order that costs nothing goes straight on to paid. Locks the order.
    """
    now = now or timezone.now()
    order = locked(order, LabOrder.objects.with_people())
    if order.patient_id != getattr(by, "pk", None):
        raise CartError(_("This is not your cart."), field="lines")
    order.check_can_become(Status.AWAITING_PAYMENT)
    lines = list(order.lines.select_related("lab_test"))
    if not lines:
        raise CartError(_("Your cart is empty."), field="lines")
    problems = cart_problems(order, lines=lines)
    if problems:
        raise CartError(problems[0].message, field="lines",
                        errors={"lines": " ".join(str(p.message) for p in problems)})
    return _place(order, lines, by=by, now=now)


def _place(order: LabOrder, lines: list[LabOrderLine], *, by, now: datetime) -> LabOrder:
    for line in lines:
        line.price_at_checkout = line.lab_test.price
    LabOrderLine.objects.bulk_update(lines, ["price_at_checkout"])
    order.amount = sum((line.price_at_checkout for line in lines), Decimal("0.00"))
    order.currency = lines[0].lab_test.currency
    order.hold_expires_at = now + timedelta(minutes=payment_hold_minutes())
    if order.status == Status.CART:
        order.transition_to(Status.AWAITING_PAYMENT, by=by, fields=["amount", "currency", "hold_expires_at"])
    else:
        order.save(update_fields=["amount", "currency", "hold_expires_at", "updated_at"])
    if order.amount == 0:
        return mark_order_paid(order=order, by=by, reason=_("Nothing to pay."), now=now)
    return order


@transaction.atomic
def order_tests(*, patient, hospital, tests, prescription=None, now: datetime | None = None) -> LabOrder:
    """Order ``tests`` (LabTests or ids of ``hospital``) in one step, beside any cart: an order awaiting payment.

    The API's "order these tests". The same rules as ``add_to_cart`` for each test, then
    ``checkout``'s. Raises CartError with the field (``tests``, ``prescription``) and writes nothing.
    """
    now = now or timezone.now()
    _check_patient(patient)
    if hospital.status != hospital.Status.APPROVED:
        raise CartError(_("%(hospital)s is not taking lab orders.") % {"hospital": hospital.name}, field="hospital")
    chosen = _tests_of(hospital, tests, field="tests")
    if not chosen:
        raise CartError(_("Choose at least one test."), field="tests")
    given = _own_issued(prescription, patient)
    authorised = []
    for test in chosen:
        try:
            authorised.append(_authorising_prescription(patient, test, given))
        except CartError as error:
            raise CartError(error.message, field="tests" if error.field == "lab_test" else error.field) from None
    _lock_patient(patient)
    order = LabOrder.objects.create(hospital=hospital, patient=patient, status=Status.AWAITING_PAYMENT,
                                    currency="BDT")
    order.record_status(from_status="", by=patient)
    lines = LabOrderLine.objects.bulk_create([
        LabOrderLine(hospital_id=hospital.pk, order=order, lab_test=test, prescription=authority, price=test.price)
        for test, authority in zip(chosen, authorised, strict=True)
    ])
    for line, test in zip(lines, chosen, strict=True):
        line.lab_test = test
    order = locked(order, LabOrder.objects.with_people())
    _link_prescription(order, given or next((p for p in authorised if p is not None), None))
    return _place(order, lines, by=patient, now=now)


@transaction.atomic
def order_tests_from_prescription(*, patient, prescription, now: datetime | None = None) -> LabOrder:
    """Put every offered test an issued prescription of ``patient`` recommends in their cart; return the cart.

    Tests already in the cart stay as they are. Raises CartError (field ``prescription``) for
    someone else's prescription or one that recommends nothing the hospital still offers.
    """
    _check_patient(patient)
    prescription = _own_issued(prescription, patient)
    recommended = [link.lab_test for link in
                   PrescriptionLabTest.objects.filter(prescription=prescription).select_related("lab_test__hospital")
                   if link.lab_test.active]
    if not recommended:
        raise CartError(_("This prescription recommends no test the hospital offers."), field="prescription")
    _lock_patient(patient)
    cart = _open_cart(patient, prescription.hospital)
    present = set(cart.lines.values_list("lab_test_id", flat=True))
    for test in recommended:
        if test.pk not in present:
            _check_orderable(test)
            LabOrderLine.objects.create(hospital_id=cart.hospital_id, order=cart, lab_test=test,
                                        prescription=prescription, price=test.price)
    _link_prescription(cart, prescription)
    return cart


# --- Payment, cancellation, expiry -----------------------------------------------------------------


def _patient_context(order: LabOrder, **extra) -> dict:
    return {"hospital_name": order.hospital.name, "accession": order.accession or "", **extra}


@transaction.atomic
def mark_order_paid(*, order: LabOrder, by, reason: str = "", now: datetime | None = None) -> LabOrder:
    """awaiting_payment → paid; tell the patient what to bring and how to prepare. Locks the order.

    Raises InvalidTransition when the order expired or was cancelled meanwhile (the payment
    is then refunded by payments).
    """
    order = locked(order, LabOrder.objects.with_people())
    order.check_can_become(Status.PAID)
    order.hold_expires_at = None
    order.transition_to(Status.PAID, by=by, reason=reason, fields=["hold_expires_at"])
    lines = list(order.lines.select_related("lab_test"))
    notify(order.patient, "lab_order_paid", _patient_context(
        order, amount=money(order.amount, order.currency), tests=_preparation(lines),
    ), url=order_url(order), group=f"lab_order:{order.pk}", now=now)
    return order


def _is_staff_for(user, hospital, roles) -> bool:
    return Membership.objects.active().filter(user=user, hospital=hospital, role__in=roles).exists()


@transaction.atomic
def cancel_order(*, order: LabOrder, by, reason: str = "", now: datetime | None = None) -> LabOrder:
    """Cancel a cart, an order awaiting payment, or a paid order before its sample is taken (full refund).

    The patient or the hospital's lab worker or admin may cancel. Raises InvalidTransition once
    the sample is collected, CartError for anyone else. Locks the order.
    """
    order = locked(order, LabOrder.objects.with_people())
    if order.patient_id != getattr(by, "pk", None) and not _is_staff_for(by, order.hospital, STAFF_CANCEL_ROLES):
        raise CartError(_("Only the patient or the hospital's laboratory can cancel this order."), field="order")
    if order.status in (*LabOrder.AT_THE_LAB, Status.REPORTED):
        raise InvalidTransition(_("The sample is already taken; this order can no longer be cancelled."))
    was_paid, was_cart = order.status == Status.PAID, order.status == Status.CART
    reason = _text(reason, "reason", required=False, max_length=500, error=CartError)
    order.status_reason = reason
    order.hold_expires_at = None
    order.transition_to(Status.CANCELLED, by=by, reason=reason, fields=["status_reason", "hold_expires_at"])
    if was_paid:
        refund_lab_order(order, reason=_("Lab order cancelled before the sample was taken."), by=by)
    if not was_cart:
        notify(order.patient, "lab_order_cancelled", _patient_context(
            order, refunded=was_paid, amount=money(order.amount, order.currency)),
            url=order_url(order), group=f"lab_order:{order.pk}", now=now)
    return order


@transaction.atomic
def expire_order(*, order: LabOrder, by=None, now: datetime | None = None) -> LabOrder:
    """awaiting_payment → expired: the payment hold ran out. Locks the order."""
    order = locked(order, LabOrder.objects.with_people())
    order.check_can_become(Status.EXPIRED)
    order.hold_expires_at = None
    order.transition_to(Status.EXPIRED, by=by, reason=_("Payment not received in time."), fields=["hold_expires_at"])
    notify(order.patient, "lab_order_expired", _patient_context(order), url=order_url(order),
           group=f"lab_order:{order.pk}", now=now)
    return order


def expire_stale_lab_holds(*, now: datetime | None = None) -> int:
    """Expire every lab order awaiting payment whose hold has run out; return how many.

    Run every minute by ``labs.tasks``; nothing stale costs one query and no transaction.
    Rows another worker holds are skipped (it is expiring or paying them).
    """
    now = now or timezone.now()
    stale = LabOrder.objects.stale_holds(now)
    stale_ids = list(stale.values_list("pk", flat=True)[:500])
    if not stale_ids:
        return 0
    expired = 0
    with transaction.atomic():
        for order in stale.filter(pk__in=stale_ids).select_for_update(skip_locked=True):
            expire_order(order=order, now=now)
            expired += 1
    return expired


# --- Samples ---------------------------------------------------------------------------------------


def accession_prefix(hospital) -> str:
    """The hospital's letters in its accession numbers: the initials of its slug's words ("DCH"), or the
    first three letters of a one-word slug."""
    words = [word for word in hospital.slug.split("-") if word]
    if len(words) >= 2:
        letters = "".join(word[0] for word in words[:4])
    else:
        letters = (words[0] if words else "LAB")[:3]
    return re.sub(r"[^A-Z0-9]", "", letters.upper()) or "LAB"


def next_accession(hospital, *, now: datetime | None = None) -> str:
    """The hospital's next accession number this year (its local year): ``DCH-26-000123``.

    Takes the row lock of the hospital's counter for the year (creating it the first time),
    so concurrent collections get consecutive numbers; must run inside a transaction.
    """
    year = hospital_now(hospital, now).year
    AccessionCounter.objects.get_or_create(hospital=hospital, year=year)
    counter = AccessionCounter.objects.select_for_update().get(hospital=hospital, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{accession_prefix(hospital)}-{year % 100:02d}-{counter.last:06d}"


@transaction.atomic
def collect_sample(*, order: LabOrder, by, now: datetime | None = None) -> LabOrder:
    """paid → sample_collected: give the order its accession number (kept if the sample is taken again)
    and a due time (collection plus the longest turnaround of its tests). Locks the order, then the
    hospital's accession counter. Raises InvalidTransition unless the order is paid."""
    now = now or timezone.now()
    order = locked(order, LabOrder.objects.with_people())
    order.check_can_become(Status.SAMPLE_COLLECTED)
    if not order.accession:
        order.accession = next_accession(order.hospital, now=now)
    longest = order.lines.aggregate(hours=Max("lab_test__turnaround_hours"))["hours"] or 24
    order.collected_at, order.collected_by, order.due_at = now, by, now + timedelta(hours=longest)
    order.transition_to(Status.SAMPLE_COLLECTED, by=by,
                        fields=["accession", "collected_at", "collected_by", "due_at"])
    return order


@transaction.atomic
def reject_sample(*, order: LabOrder, by, reason: str) -> LabOrder:
    """sample_collected → paid: the sample cannot be used (haemolysed, clotted, mislabelled); it is taken again
    under the same accession number. Raises ResultError (field ``reason``) without a reason."""
    reason = _text(reason, "reason", max_length=500, error=ResultError)
    order = locked(order)
    order.check_can_become(Status.PAID)
    order.collected_at = order.collected_by = order.due_at = None
    order.transition_to(Status.PAID, by=by, reason=reason, fields=["collected_at", "collected_by", "due_at"])
    return order


# --- Results -------------------------------------------------------------------------------------------


def _order_analytes(order: LabOrder) -> dict[int, tuple[Analyte, LabOrderLine]]:
    """Every analyte of the order's tests, by id, with the line it belongs to (one query)."""
    lines = order.lines.select_related("lab_test").prefetch_related("lab_test__analytes__ranges")
    return {analyte.pk: (analyte, line) for line in lines for analyte in line.lab_test.analytes.all()}


def parse_result(analyte: Analyte, raw) -> tuple[str, Decimal | None]:
    """``raw`` as stored for ``analyte``: (text, number). Raises ResultError (field: the analyte's id)."""
    field = str(analyte.pk)
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise ResultError(_("Enter a result for %(analyte)s.") % {"analyte": analyte.name}, field=field)
    if len(text) > 200:
        raise ResultError(_("Keep this to %(count)d characters.") % {"count": 200}, field=field)
    if analyte.result_kind == Analyte.Kind.CHOICE:
        choices = {choice.lower(): choice for choice in analyte.choice_list}
        if text.lower() not in choices:
            raise ResultError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(analyte.choice_list)},
                              field=field)
        return choices[text.lower()], None
    if analyte.result_kind == Analyte.Kind.TEXT:
        return text, None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ResultError(_("%(analyte)s must be a number.") % {"analyte": analyte.name}, field=field) from None
    if not number.is_finite():
        raise ResultError(_("%(analyte)s must be a number.") % {"analyte": analyte.name}, field=field)
    if number < 0:
        raise ResultError(_("%(analyte)s cannot be negative.") % {"analyte": analyte.name}, field=field)
    if number > analyte.max_value:
        raise ResultError(_("%(value)s is not a plausible %(analyte)s (at most %(max)s).") % {
            "value": text, "analyte": analyte.name, "max": f"{analyte.max_value.normalize():f}"}, field=field)
    if -number.as_tuple().exponent > analyte.decimals:
        raise ResultError(_("Give %(analyte)s with at most %(count)d decimal places.") % {
            "analyte": analyte.name, "count": analyte.decimals}, field=field)
    return f"{number:f}", number


def _parse_values(order: LabOrder, values) -> dict[int, tuple[Analyte, LabOrderLine, str, Decimal | None]]:
    """Check every value against the order's analytes; raise one ResultError naming every bad field.

    Blank values are left out (a form posts every analyte's field; results may be typed in steps).
    """
    if not isinstance(values, dict):
        raise ResultError(_("Enter at least one result."), field="results")
    values = {key: raw for key, raw in values.items() if str(raw if raw is not None else "").strip()}
    if not values:
        raise ResultError(_("Enter at least one result."), field="results")
    analytes = _order_analytes(order)
    parsed, errors = {}, {}
    for key, raw in values.items():
        try:
            pk = int(str(key).strip())
        except ValueError:
            errors[str(key)] = _("This is not an analyte of this order's tests.")
            continue
        if pk not in analytes:
            errors[str(key)] = _("This is not an analyte of this order's tests.")
            continue
        analyte, line = analytes[pk]
        try:
            text, number = parse_result(analyte, raw)
        except ResultError as error:
            errors[error.field] = error.message
            continue
        parsed[pk] = (analyte, line, text, number)
    if errors:
        first = next(iter(errors))
        raise ResultError(errors[first], field=first, errors=errors)
    return parsed


@transaction.atomic
def enter_results(*, order: LabOrder, values: dict, by, now: datetime | None = None) -> list[LabResult]:
    """Save results typed for the order (``{analyte_id: value}``, some or all, blanks left out); return them.

    The first entry moves sample_collected → in_progress. Values are checked first (a number
    for a numeric analyte, not negative, at most the analyte's plausible maximum and its
    decimals; one of the choices; an analyte of this order's tests) and nothing is saved if
    any is wrong: ResultError names each field by analyte id. A reported order's results never
    change (``amend_report``). Locks the order.
    """
    now = now or timezone.now()
    order = locked(order)
    if order.status == Status.REPORTED:
        raise ResultError(_("This order is reported; a reported result never changes. Amend the report instead."),
                          field="results")
    if order.status not in LabOrder.AT_THE_LAB:
        raise ResultError(_("Results can be entered once the sample is collected."), field="results")
    parsed = _parse_values(order, values)
    drafts = {result.analyte_id: result for result in order.results.filter(report__isnull=True)}
    for pk, (analyte, line, text, number) in parsed.items():
        result = drafts.get(pk) or LabResult(hospital_id=order.hospital_id, order=order, line=line, analyte=analyte)
        result.value_text, result.value_numeric, result.unit = text, number, analyte.unit
        result.entered_by, result.entered_at = by, now
        result.save()
    if order.status == Status.SAMPLE_COLLECTED:
        order.transition_to(Status.IN_PROGRESS, by=by)
    return list(order.results.filter(report__isnull=True).select_related("analyte"))


def _patient_facts(order: LabOrder) -> tuple[str, int | None]:
    profile = getattr(order.patient, "patient_profile", None)
    sex = getattr(profile, "sex", "") or ""
    collected_on = local_date(order.collected_at or timezone.now(), order.hospital)
    return sex, age_in_days(getattr(profile, "date_of_birth", None), collected_on)


def _apply_range(result: LabResult, analyte: Analyte, sex: str, age_days: int | None) -> None:
    """Copy the patient's reference range into ``result`` and compute its flag."""
    reference = choose_range(analyte, sex, age_days, ranges=analyte.ranges.all()) if analyte.is_numeric else None
    for name in ("low", "high", "critical_low", "critical_high"):
        setattr(result, f"ref_{name}", getattr(reference, name, None))
    result.ref_interpretation = getattr(reference, "interpretation", "") or ""
    result.flag = flag(result.value_numeric, reference) if analyte.is_numeric else ""


def _new_report(order: LabOrder, *, by, now: datetime, version: int, sex: str, age_days: int | None,
                supersedes: LabReport | None = None, reason: str = "") -> LabReport:
    doctor = order.ordering_membership.user.doctor_profile.display_name if order.ordering_membership_id else ""
    code = issue_document_code(kind="lab_report", hospital_name=order.hospital.name,
                               patient_name=order.patient.full_name, doctor_name=doctor, issued_at=now)
    return LabReport.objects.create(
        hospital_id=order.hospital_id, order=order, version=version, supersedes=supersedes, amendment_reason=reason,
        verified_by=by, verified_at=now, patient_age_days=age_days, patient_sex=sex,
        ranges_assumed=ranges_assumed(sex, age_days), document_code=code,
    )


@transaction.atomic
def verify_and_report(*, order: LabOrder, by, now: datetime | None = None) -> LabReport:
    """in_progress → reported: check every analyte has a result, copy in the patient's reference ranges
    (sex and age on the collection date), compute the flags and issue report version 1 with its
    verification code. Tells the patient; a critical value alerts the ordering doctor at once
    (or the hospital's admins when no doctor ordered it). Raises ResultError naming each analyte
    without a result, InvalidTransition unless in progress. Locks the order."""
    now = now or timezone.now()
    order = locked(order, LabOrder.objects.with_people())
    order.check_can_become(Status.REPORTED)
    analytes = _order_analytes(order)
    drafts = list(order.results.filter(report__isnull=True))
    missing = {str(pk): _("No result for %(analyte)s yet.") % {"analyte": analyte.name}
               for pk, (analyte, _line) in analytes.items() if pk not in {d.analyte_id for d in drafts}}
    if missing:
        first = next(iter(missing))
        raise ResultError(missing[first], field=first, errors=missing)
    sex, age_days = _patient_facts(order)
    report = _new_report(order, by=by, now=now, version=1, sex=sex, age_days=age_days)
    for result in drafts:
        _apply_range(result, analytes[result.analyte_id][0], sex, age_days)
        result.report = report
    LabResult.objects.bulk_update(drafts, ["report", "ref_low", "ref_high", "ref_critical_low", "ref_critical_high",
                                           "ref_interpretation", "flag"])
    order.reported_at = now
    order.has_critical = any(result.is_critical for result in drafts)
    order.transition_to(Status.REPORTED, by=by, fields=["reported_at", "has_critical"])
    _tell_report(order, report, event="lab_report_ready", now=now)
    if order.has_critical:
        _alert_critical(order, report, [r for r in drafts if r.is_critical], now=now)
    return report


def _tell_report(order: LabOrder, report: LabReport, *, event: str, now: datetime) -> None:
    notify(order.patient, event, _patient_context(order, version=report.version, code=report.document_code.code),
           url=link(PATIENT_REPORT, report.pk) or order_url(order), attachments=[("lab_report", report.pk)],
           group=f"lab_order:{order.pk}", now=now)


def _critical_context(order: LabOrder, results) -> dict:
    return {
        "hospital_name": order.hospital.name, "patient_name": order.patient.full_name, "accession": order.accession,
        "results": [{"analyte": r.analyte.name, "value": r.value_text, "unit": r.unit, "flag": r.get_flag_display()}
                    for r in results],
    }


def _hospital_admins(hospital):
    return [m.user for m in Membership.objects.active().filter(hospital=hospital, role=Membership.Role.ADMIN)
            .select_related("user")]


def _alert_critical(order: LabOrder, report: LabReport, results, *, now: datetime) -> None:
    """Send a critical result to the ordering doctor (or, with none, to the hospital's admins at once)."""
    context = _critical_context(order, results)
    url = link(DESK_ORDER, order.hospital.slug, order.pk)
    doctor_url = link(DESK_REPORT, order.hospital.slug, report.pk)
    order.critical_acknowledged_by = order.critical_acknowledged_at = order.critical_escalated_at = None
    order.critical_alerted_at = now
    if order.ordering_membership_id:
        notify(order.ordering_membership.user, "lab_critical_result", context, url=doctor_url,
               group=f"lab_critical:{order.pk}", now=now)
    else:
        for admin in _hospital_admins(order.hospital):
            notify(admin, "lab_critical_escalated", dict(context, ordered_by_doctor=False), url=url,
                   group=f"lab_critical:{order.pk}", now=now)
        order.critical_escalated_at = now
    order.save(update_fields=["critical_acknowledged_by", "critical_acknowledged_at", "critical_escalated_at",
                              "critical_alerted_at", "updated_at"])


@transaction.atomic
def amend_report(*, report: LabReport, values: dict, by, reason: str, now: datetime | None = None) -> LabReport:
    """Correct a reported order: a new report version with ``values`` ({analyte_id: value}) replacing the
    old ones, the rest copied; it supersedes ``report`` (whose verification code now says so). Both
    stay. Ranges are chosen again from the patient's profile as it is now (a corrected birth date
    counts). A new critical value alerts again. Raises ResultError (``reason`` missing, bad values,
    an older version) and locks the order."""
    now = now or timezone.now()
    reason = _text(reason, "reason", max_length=500, error=ResultError)
    order = locked(LabOrder(pk=report.order_id), LabOrder.objects.with_people())
    report = LabReport.objects.select_related("document_code").get(pk=report.pk)
    if order.status != Status.REPORTED or LabReport.objects.filter(supersedes=report).exists():
        raise ResultError(_("Only the current version of a report can be amended."), field="report")
    parsed = _parse_values(order, values)
    analytes = _order_analytes(order)
    sex, age_days = _patient_facts(order)
    old_results = list(report.results.all())
    new_report = _new_report(order, by=by, now=now, version=report.version + 1, sex=sex, age_days=age_days,
                             supersedes=report, reason=reason)
    supersede_document_code(old=report.document_code, new=new_report.document_code)
    new_results, changed = [], []
    for old in old_results:
        analyte = analytes[old.analyte_id][0]
        result = LabResult(hospital_id=order.hospital_id, order=order, line_id=old.line_id, analyte=analyte,
                           report=new_report, value_text=old.value_text, value_numeric=old.value_numeric,
                           unit=old.unit, entered_by=old.entered_by, entered_at=old.entered_at)
        if old.analyte_id in parsed:
            text, number = parsed[old.analyte_id][2:]
            if (text, number) != (old.value_text, old.value_numeric):
                result.value_text, result.value_numeric, result.unit = text, number, analyte.unit
                result.entered_by, result.entered_at = by, now
                changed.append(result)
        _apply_range(result, analyte, sex, age_days)
        new_results.append(result)
    LabResult.objects.bulk_create(new_results)
    criticals = [r for r in new_results if r.is_critical]
    newly_critical = [r for r in changed if r.is_critical]
    order.has_critical = bool(criticals)
    order.save(update_fields=["has_critical", "updated_at"])
    _tell_report(order, new_report, event="lab_report_amended", now=now)
    if newly_critical:
        _alert_critical(order, new_report, newly_critical, now=now)
    elif not criticals:
        order.critical_escalated_at = None
        order.save(update_fields=["critical_escalated_at", "updated_at"])
    return new_report


@transaction.atomic
def acknowledge_critical(*, report: LabReport, by, now: datetime | None = None) -> LabOrder:
    """Record that a doctor has seen the critical result of ``report``'s order (once); return the order.

    Raises ResultError when there is nothing critical to acknowledge, it was acknowledged
    already, or ``by`` is neither the ordering doctor nor a doctor caring for the patient.
    Locks the order; after commit, tells the ordering doctor's open pages (an update frame).
    """
    now = now or timezone.now()
    order = locked(LabOrder(pk=report.order_id), LabOrder.objects.with_people())
    if not order.has_critical:
        raise ResultError(_("This report has no critical result to acknowledge."), field="report")
    if not may_acknowledge(by, order):
        raise ResultError(_("Only the ordering doctor or a doctor caring for this patient can acknowledge it."),
                          field="report")
    if order.critical_acknowledged_at is not None:
        raise ResultError(_("%(name)s already acknowledged this critical result.")
                          % {"name": order.critical_acknowledged_by.full_name if order.critical_acknowledged_by
                             else _("A doctor")}, field="report")
    order.critical_acknowledged_by, order.critical_acknowledged_at = by, now
    order.save(update_fields=["critical_acknowledged_by", "critical_acknowledged_at", "updated_at"])
    if order.ordering_membership_id:
        # The ordering doctor's open dashboards drop it from their critical results, whoever acknowledged it.
        broadcast(user_group(order.ordering_membership.user_id), LIVE_UPDATE,
                  {"event": "lab_critical_acknowledged", "order": order.pk})
    return order


def escalate_unacknowledged_criticals(*, now: datetime | None = None) -> int:
    """Alert the hospital's admins about critical results nobody acknowledged within
    ``LAB_CRITICAL_ESCALATION_MINUTES``; once per alert. Return how many orders were escalated.

    Run every five minutes by ``labs.tasks``; each order is locked and re-checked, so two runs
    at once never alert twice.
    """
    now = now or timezone.now()
    due = LabOrder.objects.filter(
        status=Status.REPORTED, has_critical=True, critical_acknowledged_at__isnull=True,
        critical_escalated_at__isnull=True,
        critical_alerted_at__lte=now - timedelta(minutes=critical_escalation_minutes()),
    )
    ids = list(due.values_list("pk", flat=True)[:200])
    escalated = 0
    for pk in ids:
        with transaction.atomic():
            order = due.filter(pk=pk).select_for_update(skip_locked=True).first()
            if order is None:
                continue
            order = LabOrder.objects.with_people().get(pk=pk)
            report = order.reports.current().first()
            criticals = [r for r in report.results.select_related("analyte") if r.is_critical] if report else []
            context = dict(_critical_context(order, criticals), ordered_by_doctor=bool(order.ordering_membership_id),
                           doctor_name=(order.ordering_membership.user.full_name if order.ordering_membership_id
                                        else ""), minutes=critical_escalation_minutes())
            for admin in _hospital_admins(order.hospital):
                notify(admin, "lab_critical_escalated", context, url=link(DESK_ORDER, order.hospital.slug, order.pk),
                       group=f"lab_critical:{order.pk}", now=now)
            LabOrder.objects.filter(pk=pk).update(critical_escalated_at=now)
            escalated += 1
    return escalated


# --- Reads that are logged ---------------------------------------------------------------------------


def read_lab_order(*, reader, order: LabOrder, hospital, role: str, now: datetime | None = None) -> LabOrder:
    """A staff member of ``hospital`` opens one of its lab orders: write the access-log row and return it.

    The view has already found ``order`` among ``hospital``'s orders (another hospital's is a 404).
    """
    if order.hospital_id != hospital.pk:
        raise LabAccessDenied(_("No such lab order."))
    append_access_log(accessor=reader, hospital=hospital, role=role, patient=order.patient,
                      object_type=AccessLog.ObjectType.LAB_ORDER, object_id=order.pk,
                      label=f"Lab order {order.accession or order.pk}", now=now)
    return order


def read_lab_report(*, reader, report: LabReport, hospital=None, role: str = "doctor",
                    now: datetime | None = None) -> LabReport:
    """Open one report version: the patient always; the hospital's lab staff (``role`` lab_worker or admin,
    through ``hospital``) for its own reports; a doctor under the records rules (care relationship
    and consent). Staff reads are access-logged once. Raises LabAccessDenied (views answer 404)."""
    patient = report.order.patient
    if not can_view_report(reader, report, hospital=hospital, role=role):
        raise LabAccessDenied(_("No such lab report."))
    if reader.pk == patient.pk:
        return report
    append_access_log(accessor=reader, hospital=hospital, role=role, patient=patient,
                      object_type=AccessLog.ObjectType.LAB_REPORT, object_id=report.pk, label=report.label, now=now)
    return report


def read_order_prescription(*, reader, order: LabOrder, hospital, role: str,
                            now: datetime | None = None) -> Prescription | None:
    """Lab staff of ``hospital`` open the prescription an order was placed on: write the access-log row and
    return it with its doctor (None when the order names none). Raises LabAccessDenied for
    another hospital's order."""
    if order.hospital_id != hospital.pk:
        raise LabAccessDenied(_("No such lab order."))
    if not order.prescription_id:
        return None
    prescription = Prescription.objects.select_related("membership__user__doctor_profile", "hospital").get(
        pk=order.prescription_id)
    append_access_log(accessor=reader, hospital=hospital, role=role, patient=order.patient,
                      object_type=AccessLog.ObjectType.PRESCRIPTION, object_id=prescription.pk,
                      label=f"Prescription {prescription.pk} (lab order {order.accession or order.pk})", now=now)
    return prescription
