"""Paying for medicines over real HTTP against the local SSLCommerz sandbox: paid, receipt, refunds in full and in part."""

from decimal import Decimal

import pytest

from notifications.models import Notification
from payments.models import Payment
from payments.sandbox.models import SandboxRefund
from payments.tests.conftest import sandbox, settle  # noqa: F401  (the sandbox fixture)
from payments.tests.test_confirm import post, start
from pharmacy import services
from pharmacy.models import MedicineOrder
from pharmacy.selectors import assert_ledger_balanced

Status = MedicineOrder.Status


def _pay(order, patient) -> Payment:
    payment = start(order, patient)
    assert post("ipn", settle(payment)).status_code == 200
    payment.refresh_from_db()
    order.refresh_from_db()
    return payment


def test_paying_moves_the_order_to_paid_with_a_receipt_and_a_cancel_refunds_in_full(
        sandbox, patient, medicine, receive, order_for):  # noqa: F811
    batch = receive(medicine, 20)
    order = order_for(medicine, 10)

    payment = _pay(order, patient)

    assert payment.status == Payment.Status.PAID and payment.amount == Decimal("120.00")
    assert order.status == Status.PAID
    assert Notification.objects.filter(user=patient, event="payment_received").exists()
    services.cancel_order(order=order, by=patient, reason="Found them at home")
    payment.refresh_from_db()
    batch.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_amount == Decimal("120.00")
    assert (batch.quantity_on_hand, batch.quantity_reserved) == (20, 0)
    assert_ledger_balanced()


def test_a_partial_fill_refunds_the_unfilled_part(sandbox, patient, medicine, pharmacist, receive, order_for):  # noqa: F811
    receive(medicine, 20)
    order = order_for(medicine, 10)
    payment = _pay(order, patient)
    services.start_preparing(order=order, by=pharmacist)

    services.mark_ready(order=order, by=pharmacist, dispensed={order.lines.get().pk: 7}, note="Only 7 undamaged")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.refunded_amount == Decimal("36.00")
    assert SandboxRefund.objects.filter(session__tran_id=payment.tran_id).count() == 1
    assert_ledger_balanced()


def test_paying_an_order_that_expired_meanwhile_is_refunded(sandbox, patient, medicine, receive, order_for):  # noqa: F811
    receive(medicine, 20)
    order = order_for(medicine, 5)
    payment = start(order, patient)
    services.expire_order(order=order)

    assert post("ipn", settle(payment)).status_code == 200

    payment.refresh_from_db()
    order.refresh_from_db()
    assert order.status == Status.EXPIRED
    assert payment.status == Payment.Status.REFUNDED
    assert_ledger_balanced()


def test_one_checkout_per_order_and_a_second_payment_is_refunded_as_paid_twice(
        sandbox, patient, medicine, receive, order_for, client_for, settings):  # noqa: F811
    from payments.tests.conftest import pay_twice

    receive(medicine, 20)
    order = order_for(medicine, 5)
    assert start(order, patient) == start(order, patient)  # Pay in two tabs: one checkout

    first, second = pay_twice(order, patient, settings)

    second.refresh_from_db()
    order.refresh_from_db()
    assert (second.status, second.duplicate_of) == (Payment.Status.REFUNDED, first)
    assert order.status == Status.PAID
    assert Notification.objects.filter(user=patient, event="payment_received").count() == 1
    refund = Notification.objects.get(user=patient, event="payment_refunded")
    assert "You paid twice for this." in refund.body and "could not be kept" not in refund.body
    page = client_for(patient).get(f"/me/medicine-orders/{order.pk}/")
    assert list(page.context["receipts"]) == [first]
    assert_ledger_balanced()
