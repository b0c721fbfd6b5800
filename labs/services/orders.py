"""A patient's lab orders from cart to paid: the tests a prescription recommends, carts, checkout (or
ordering in one step), payment, cancellation and expiry of unpaid holds.

Every refusal is a CartError naming the field (or InvalidTransition); nothing is written when one is raised.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from healthstack.status import locked
from healthstack.templatetags.money import money
from notifications.services import notify
from payments import lifecycle
from records.models import Prescription

from ..models import CartError, InvalidTransition, LabOrder, LabOrderLine, LabTest, PrescriptionLabTest
from ..payable import order_url, refund_lab_order
from ..permissions import LAB_STAFF_ROLES
from ._common import Status, _is_staff_for, _patient_context, _text

STAFF_CANCEL_ROLES = LAB_STAFF_ROLES


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
    """cart → awaiting_payment: fix the amount from today's prices and hold it (payments.lifecycle).

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
    try:
        lifecycle.check_minimum(order.amount, order.currency)
    except lifecycle.AmountTooSmall as error:
        raise CartError(error.message, field="lines") from None
    order.hold_expires_at = lifecycle.hold_expires_at(now)
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
