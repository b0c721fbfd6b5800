"""A lab order as a payable: paid through the local SSLCommerz sandbox over real HTTP, refunded in full when
cancelled before the sample or when the payment arrives for an order that expired; unpaid orders expire."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import PatientFactory
from labs import services
from labs.models import LabOrder
from notifications.models import Notification
from payments.lifecycle import expire_stale_holds
from payments.models import Payment
from payments.payables import find_payable, payables_awaiting_payment
from payments.tests.conftest import sandbox  # noqa: F401  (the gateway pointed at the live sandbox)

from .conftest import NOW


def place(patient, tests, *, now=None):
    return services.order_tests(patient=patient, hospital=tests[0].hospital, tests=tests, now=now or timezone.now())


@pytest.mark.django_db
def test_the_payers_own_orders_are_found_through_the_registry(female_patient, haemoglobin_test, glucose_test):
    order = place(female_patient, [haemoglobin_test, glucose_test])
    other = place(PatientFactory(), [haemoglobin_test])

    assert find_payable("lab_order", order.pk, female_patient) == order
    assert find_payable("lab_order", other.pk, female_patient) is None
    assert [p.pk for p in payables_awaiting_payment(female_patient) if p.payable_kind == "lab_order"] == [order.pk]
    assert order.can_be_paid() and order.description == (
        "Lab tests at Green Life Hospital: Haemoglobin, Fasting blood sugar")


@pytest.mark.django_db
def test_stale_holds_expire_once_and_the_patient_is_told(female_patient, haemoglobin_test, settings):
    settings.PAYMENT_HOLD_MINUTES = 15
    stale = place(female_patient, [haemoglobin_test], now=NOW)
    fresh = place(female_patient, [haemoglobin_test], now=NOW + timedelta(minutes=10))

    assert expire_stale_holds(now=NOW + timedelta(minutes=14)) == 0
    assert expire_stale_holds(now=NOW + timedelta(minutes=15)) == 1
    assert expire_stale_holds(now=NOW + timedelta(minutes=16)) == 0

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == ("expired", "awaiting_payment")
    assert Notification.objects.filter(user=female_patient, event="lab_order_expired").count() == 1
    assert not stale.can_be_paid()


@pytest.mark.django_db
def test_a_sampled_order_can_no_longer_be_cancelled(make_order, female_patient):
    order = make_order("sample_collected")

    with pytest.raises(services.InvalidTransition, match="sample is already taken"):
        services.cancel_order(order=order, by=female_patient, reason="Changed my mind")
    order.refresh_from_db()
    assert order.status == "sample_collected"


@pytest.mark.django_db
def test_only_the_patient_or_the_hospitals_lab_cancels(make_order, receptionist, lab_worker):
    order = make_order("awaiting_payment")

    with pytest.raises(services.CartError, match="Only the patient"):
        services.cancel_order(order=order, by=receptionist)
    with pytest.raises(services.CartError, match="Only the patient"):
        services.cancel_order(order=order, by=PatientFactory())
    assert services.cancel_order(order=order, by=lab_worker, reason="Duplicate").status == "cancelled"


def paid_order(patient, tests):
    from payments.tests.conftest import settle
    from payments.tests.test_confirm import post, start

    order = place(patient, tests)
    payment = start(order, patient)
    assert post("ipn", settle(payment)).status_code == 200
    payment.refresh_from_db()
    order.refresh_from_db()
    return order, payment


def test_paying_marks_the_order_paid_and_tells_the_patient_what_to_bring(sandbox, female_patient,
                                                                         haemoglobin_test, glucose_test):
    order, payment = paid_order(female_patient, [haemoglobin_test, glucose_test])

    assert (payment.status, payment.amount) == (Payment.Status.PAID, Decimal("500.00"))
    assert (order.status, order.hold_expires_at) == ("paid", None)
    told = Notification.objects.get(user=female_patient, event="lab_order_paid")
    assert "Fasting blood sugar (Venous blood (serum)): Fasting 8–10 h" in told.body
    assert Notification.objects.filter(user=female_patient, event="payment_received",
                                       group_key=f"lab_order:{order.pk}").exists()


def test_cancelling_a_paid_order_before_the_sample_refunds_it_in_full(sandbox, female_patient, haemoglobin_test):
    order, payment = paid_order(female_patient, [haemoglobin_test])

    services.cancel_order(order=order, by=female_patient, reason="Travelling")

    payment.refresh_from_db()
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert (payment.status, payment.refunded_amount) == (Payment.Status.REFUNDED, Decimal("300.00"))
    assert "refunded in full" in Notification.objects.get(user=female_patient, event="lab_order_cancelled").body


def test_a_payment_for_an_order_that_expired_meanwhile_is_refunded(sandbox, female_patient, haemoglobin_test):
    from payments.tests.conftest import settle
    from payments.tests.test_confirm import post, start

    order = place(female_patient, [haemoglobin_test])
    payment = start(order, female_patient)
    expire_stale_holds(now=timezone.now() + timedelta(hours=1))
    assert post("ipn", settle(payment)).status_code == 200

    payment.refresh_from_db()
    assert LabOrder.objects.get(pk=order.pk).status == "expired"
    assert payment.status == Payment.Status.REFUNDED


def test_one_checkout_per_order_and_a_second_payment_is_refunded_as_paid_twice(sandbox, female_patient,
                                                                                 haemoglobin_test, client_for,
                                                                                 settings):
    from payments.tests.conftest import pay_twice
    from payments.tests.test_confirm import start

    order = place(female_patient, [haemoglobin_test])
    assert start(order, female_patient) == start(order, female_patient)  # Pay in two tabs: one checkout

    first, second = pay_twice(order, female_patient, settings)

    second.refresh_from_db()
    assert (second.status, second.duplicate_of) == (Payment.Status.REFUNDED, first)
    assert LabOrder.objects.get(pk=order.pk).status == "paid"
    assert Notification.objects.filter(user=female_patient, event="payment_received").count() == 1
    refund = Notification.objects.get(user=female_patient, event="payment_refunded")
    assert "You paid twice for this." in refund.body and "could not be kept" not in refund.body
    page = client_for(female_patient).get(f"/me/lab-orders/{order.pk}/")
    assert list(page.context["receipts"]) == [first]
