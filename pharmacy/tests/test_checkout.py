"""Checkout reserves stock earliest expiry first (never expired), holds it for payment, and gives it back."""

from datetime import timedelta
from decimal import Decimal

import pytest

from accounts.tests.factories import PatientFactory
from notifications.models import Notification
from payments.lifecycle import expire_stale_holds
from payments.tasks import expire_holds_task
from payments.payables import PayableGone, find_payable, payables_awaiting_payment
from pharmacy import services
from pharmacy.models import MedicineOrder, PharmacyError
from pharmacy.selectors import assert_ledger_balanced
from pharmacy.services import StockShortage
from pharmacy.tests.conftest import NOW, moves
from pharmacy.tests.factories import MedicineFactory

pytestmark = pytest.mark.django_db
Status = MedicineOrder.Status


def test_checkout_reserves_earliest_expiry_first_and_never_an_expired_batch(patient, medicine, receive, expired_batch):
    old = expired_batch(medicine, 100)
    late = receive(medicine, 10, expires_in_days=300)
    soon = receive(medicine, 4, expires_in_days=40)
    middle = receive(medicine, 5, expires_in_days=120)

    order = _checkout(patient, medicine, 7)

    for batch in (old, late, soon, middle):
        batch.refresh_from_db()
    assert [(b.quantity_on_hand, b.quantity_reserved) for b in (old, soon, middle, late)] == [
        (100, 0), (4, 4), (5, 3), (10, 0)]
    allocations = [(a.batch_id, a.quantity) for a in order.lines.get().allocations.all()]
    assert allocations == [(soon.pk, 4), (middle.pk, 3)]
    assert moves(soon)[-1] == ("reserved", 0, 4)
    assert_ledger_balanced()


def _checkout(patient, medicine, quantity, **options):
    services.add_to_cart(patient=patient, medicine=medicine, quantity=quantity)
    order = services.checkout(patient=patient, order=services.open_cart(patient=patient, hospital=medicine.hospital),
                              **options)
    assert_ledger_balanced()
    return order


def test_checkout_fixes_the_amount_and_holds_for_payment(patient, medicine, receive, settings):
    settings.PAYMENT_HOLD_MINUTES = 15
    receive(medicine, 50)

    order = _checkout(patient, medicine, 10)

    assert order.status == Status.AWAITING_PAYMENT
    assert (order.amount, order.currency) == (Decimal("120.00"), "BDT")
    assert order.hold_expires_at == NOW + timedelta(minutes=15)
    assert [(c.from_status, c.to_status) for c in order.status_changes.all()] == [
        ("", "cart"), ("cart", "awaiting_payment")]
    assert find_payable("medicine_order", order.pk, patient) == order
    assert find_payable("medicine_order", order.pk, PatientFactory()) is None
    assert [p.pk for p in payables_awaiting_payment(patient)] == [order.pk]
    assert order.can_be_paid()


def test_only_n_left_per_item_and_nothing_reserved(patient, medicine, hospital, receive, expired_batch):
    receive(medicine, 3)
    expired_batch(medicine, 50)
    plenty = MedicineFactory(hospital=hospital, generic_name="Cetirizine", brand_name="Alatrol")
    receive(plenty, 100, batch_number="AL1")
    none = MedicineFactory(hospital=hospital, generic_name="Montelukast", brand_name="Monas")
    services.add_to_cart(patient=patient, medicine=plenty, quantity=5)
    services.add_to_cart(patient=patient, medicine=medicine, quantity=4)
    services.add_to_cart(patient=patient, medicine=none, quantity=1)
    cart = services.open_cart(patient=patient, hospital=hospital)

    with pytest.raises(StockShortage) as error:
        services.checkout(patient=patient, order=cart)

    assert [(s.item, s.available) for s in error.value.shortages] == [(1, 3), (2, 0)]
    assert "Only 3 left of Paracetamol (Napa) 500 mg." in str(error.value)
    assert "Montelukast (Monas) 500 mg is out of stock." in str(error.value)
    assert (error.value.field, error.value.item) == ("quantity", 1)
    cart.refresh_from_db()
    assert cart.status == Status.CART
    assert not cart.stock_movements.exists()
    assert_ledger_balanced()


def test_a_repriced_medicine_is_charged_at_checkout_price_and_a_paid_order_keeps_it(
        patient, medicine, pharmacist, receive, paid_order):
    receive(medicine, 50)
    services.add_to_cart(patient=patient, medicine=medicine, quantity=10)
    services.update_medicine(medicine=medicine, by=pharmacist, unit_price="15.00")

    order = services.checkout(patient=patient, order=services.open_cart(patient=patient, hospital=medicine.hospital))
    assert order.amount == Decimal("150.00")
    order = services.mark_order_paid(order=order, by=patient)
    services.update_medicine(medicine=medicine, by=pharmacist, unit_price="30.00")

    order.refresh_from_db()
    line = order.lines.get()
    assert (order.amount, line.price, line.total) == (Decimal("150.00"), Decimal("15.00"), Decimal("150.00"))


def test_checkout_needs_lines_and_the_patients_own_cart(patient, medicine, receive):
    cart = services.open_cart(patient=patient, hospital=medicine.hospital)
    with pytest.raises(PharmacyError, match="empty") as error:
        services.checkout(patient=patient, order=cart)
    assert error.value.field == "items"
    with pytest.raises(PharmacyError, match="No such cart"):
        services.checkout(patient=PatientFactory(), order=cart)


def test_delivery_needs_the_hospitals_offer_and_an_address(patient, medicine, hospital, hospital_admin, receive):
    receive(medicine, 50)
    services.add_to_cart(patient=patient, medicine=medicine, quantity=10)
    cart = services.open_cart(patient=patient, hospital=hospital)

    with pytest.raises(PharmacyError, match="does not deliver") as error:
        services.checkout(patient=patient, order=cart, delivery=True, delivery_address="House 5, Road 2")
    assert error.value.field == "delivery"
    services.update_pharmacy_settings(hospital=hospital, by=hospital_admin, delivery_offered=True, delivery_fee="60")
    with pytest.raises(PharmacyError) as error:
        services.checkout(patient=patient, order=cart, delivery=True, delivery_address="  ")
    assert error.value.field == "delivery_address"

    order = services.checkout(patient=patient, order=cart, delivery=True, delivery_address="House 5, Road 2")
    assert (order.delivery, order.delivery_fee, order.amount) == (True, Decimal("60.00"), Decimal("180.00"))


def test_an_unpaid_order_expires_after_its_hold_and_releases_the_stock(patient, medicine, receive, clock, settings,
                                                                       django_capture_on_commit_callbacks):
    settings.PAYMENT_HOLD_MINUTES = 15
    batch = receive(medicine, 10)
    order = _checkout(patient, medicine, 8)

    clock.shift(timedelta(minutes=14))
    assert expire_stale_holds() == 0
    clock.shift(timedelta(minutes=1))
    assert order.can_be_paid() is False
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_holds_task.call_local() == 1
    assert_ledger_balanced()

    order.refresh_from_db()
    batch.refresh_from_db()
    assert order.status == Status.EXPIRED and batch.quantity_reserved == 0
    assert moves(batch)[-1] == ("released", 0, -8)
    assert Notification.objects.filter(user=patient, event="medicine_order_expired").exists()
    assert expire_stale_holds() == 0
    _checkout(PatientFactory(), medicine, 10)  # every unit can be sold again


def test_a_payment_for_an_expired_order_is_refused_so_payments_refunds_it(patient, medicine, receive):
    receive(medicine, 10)
    order = _checkout(patient, medicine, 2)
    services.expire_order(order=order, now=NOW)

    class Payment:
        payer = patient
        tran_id = "HS-TEST"

    with pytest.raises(PayableGone, match="could not be kept"):
        order.on_payment_confirmed(Payment())


def test_payment_confirmed_moves_the_order_to_paid_once(patient, medicine, receive):
    receive(medicine, 10)
    order = _checkout(patient, medicine, 2)

    class Payment:
        payer = patient
        tran_id = "HS-TEST"

    order.on_payment_confirmed(Payment())
    order.on_payment_confirmed(Payment())

    order.refresh_from_db()
    assert order.status == Status.PAID and order.paid_at == NOW and order.hold_expires_at is None
    assert order.status_changes.filter(to_status="paid").count() == 1
    assert expire_stale_holds(now=NOW + timedelta(days=1)) == 0


@pytest.mark.parametrize("state", ["cart", "awaiting_payment", "paid", "preparing"])
def test_cancel_before_ready_releases_the_stock(state, patient, medicine, receive, pharmacist,
                                                django_capture_on_commit_callbacks):
    batch = receive(medicine, 10)
    services.add_to_cart(patient=patient, medicine=medicine, quantity=6)
    order = services.open_cart(patient=patient, hospital=medicine.hospital)
    if state != "cart":
        order = services.checkout(patient=patient, order=order)
    if state in ("paid", "preparing"):
        order = services.mark_order_paid(order=order, by=patient)
    if state == "preparing":
        order = services.start_preparing(order=order, by=pharmacist)

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_order(order=order, by=patient, reason="Bought them elsewhere")
    assert_ledger_balanced()

    order.refresh_from_db()
    batch.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert (batch.quantity_on_hand, batch.quantity_reserved) == (10, 0)


def test_staff_cancel_needs_a_reason_and_strangers_cannot_cancel(patient, medicine, receive, pharmacist):
    receive(medicine, 10)
    order = _checkout(patient, medicine, 2)

    with pytest.raises(PharmacyError, match="No such order"):
        services.cancel_order(order=order, by=PatientFactory(), reason="Mine now")
    with pytest.raises(PharmacyError) as error:
        services.cancel_order(order=order, by=pharmacist, reason="")
    assert error.value.field == "reason"
    services.cancel_order(order=order, by=pharmacist, reason="Patient asked by phone")
    assert Notification.objects.filter(user=patient, event="medicine_order_cancelled").exists()


def test_an_order_below_what_the_gateway_accepts_is_refused_at_checkout(patient, hospital, receive):
    aspirin = MedicineFactory(hospital=hospital, generic_name="Aspirin", brand_name="Ecosprin", unit_price="0.60")
    receive(aspirin, 100)
    services.add_to_cart(patient=patient, medicine=aspirin, quantity=10)
    cart = services.open_cart(patient=patient, hospital=hospital)

    with pytest.raises(PharmacyError, match="smallest amount that can be paid online is BDT 10.00") as error:
        services.checkout(patient=patient, order=cart)
    assert error.value.field == "items"
    assert not cart.stock_movements.exists()
    services.add_to_cart(patient=patient, medicine=aspirin, quantity=10)
    assert services.checkout(patient=patient, order=cart).amount == Decimal("12.00")
