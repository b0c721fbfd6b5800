"""Refunds through the refund API (capped), the appointment rules that refund, and reconciliation by tran_id."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments import services as appointment_services
from appointments.models import Appointment
from notifications.models import Notification
from payments import services
from payments.models import Payment, PaymentEvent
from payments.sandbox.models import SandboxRefund
from payments.tests.conftest import settle
from payments.tests.test_confirm import post, start
from payments.tests.test_gateway import closed_port

Status = Payment.Status


def paid(payable, patient) -> Payment:
    payment = start(payable, patient)
    assert post("ipn", settle(payment)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Status.PAID
    return payment


def test_refund_is_capped_and_partial_then_full(sandbox, payable, patient, hospital_admin):
    payment = paid(payable, patient)

    services.refund_payment(payment=payment, amount=Decimal("200.00"), reason="Partly unused", by=hospital_admin)
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount, payment.refundable_amount) == (
        Status.PAID, Decimal("200.00"), Decimal("300.00"))
    with pytest.raises(services.PaymentError, match="At most 300.00"):
        services.refund_payment(payment=payment, amount=Decimal("300.01"), reason="Too much")

    services.refund_payment(payment=payment, amount=Decimal("300.00"), reason="The rest")
    payment.refresh_from_db()
    assert payment.status == Status.REFUNDED and payment.refunded_amount == payment.amount
    assert SandboxRefund.objects.filter(session__tran_id=payment.tran_id).count() == 2
    assert Notification.objects.filter(user=patient, event="payment_refunded").count() == 2
    with pytest.raises(services.PaymentError, match="nothing left"):
        services.refund_payment(payment=payment, amount=Decimal("1.00"), reason="Again")


def test_a_payable_asks_for_a_part_refunded_and_payments_decides_how(sandbox, payable, patient):
    payment = paid(payable, patient)

    services.refund_payable(payable=payable, amount=Decimal("200.00"), reason="Part not given")
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (Status.PAID, Decimal("200.00"))

    services.refund_payable(payable=payable, amount=Decimal("999.00"), reason="The rest not given")
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (Status.REFUNDED, Decimal("500.00"))
    assert SandboxRefund.objects.filter(session__tran_id=payment.tran_id).count() == 2


def test_refund_the_gateway_does_not_answer_gives_the_reservation_back(sandbox, payable, patient, settings):
    payment = paid(payable, patient)
    settings.SSLCOMMERZ_BASE_URL = f"http://127.0.0.1:{closed_port()}"

    with pytest.raises(services.PaymentError, match="did not answer"):
        services.refund_payment(payment=payment, amount=Decimal("100.00"), reason="Test")

    payment.refresh_from_db()
    assert payment.status == Status.PAID and payment.refunded_amount == Decimal("0.00")
    assert payment.events.filter(kind=PaymentEvent.Kind.REFUND_FAILED).exists()


def test_rejection_refunds_through_the_refund_api_and_emails(sandbox, payable, patient, receptionist, mailoutbox):
    payment = paid(payable, patient)
    payable.refresh_from_db()

    appointment_services.reject_appointment(appointment=payable, by=receptionist, reason="Doctor on leave")

    payment.refresh_from_db()
    assert payment.status == Status.REFUNDED
    assert "Doctor on leave" in SandboxRefund.objects.get(session__tran_id=payment.tran_id).remarks
    refund_mail = [m for m in mailoutbox if m.to == [patient.email] and "Refund" in m.subject]
    assert len(refund_mail) == 1 and "BDT 500.00" in refund_mail[0].subject


def test_cancellation_before_the_cutoff_refunds(sandbox, payable, patient):
    payment = paid(payable, patient)
    payable.refresh_from_db()

    appointment_services.cancel_appointment(appointment=payable, by=patient, reason="Feeling better")

    payment.refresh_from_db()
    assert payment.status == Status.REFUNDED


def test_received_email_carries_the_receipt_pdf(sandbox, payable, patient, mailoutbox):
    paid(payable, patient)

    receipt_mail = next(m for m in mailoutbox if m.subject.startswith("Payment received"))
    (name, content, mimetype), = receipt_mail.attachments
    assert re.fullmatch(r"receipt-\d{4}-\d{2}-\d{2}-HS\w+\.pdf", name)
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")


def test_accepting_a_held_payment_moves_the_appointment_on(sandbox, payable, patient, hospital_admin):
    payment = start(payable, patient)
    post("ipn", settle(payment, "risky"))
    payment.refresh_from_db()

    services.accept_held_payment(payment=payment, by=hospital_admin)

    payment.refresh_from_db()
    payable.refresh_from_db()
    assert payment.status == Status.PAID and payment.has_receipt
    assert payable.status == Appointment.Status.REQUESTED


def test_reconcile_confirms_paid_closes_abandoned_and_waits_when_unanswered(sandbox, make_payable, patient, settings):
    paid_silently, failed, fresh = (start(make_payable(), patient) for _ in range(3))
    settle(paid_silently)  # paid at the gateway, but neither IPN nor browser came back
    settle(failed, "fail")
    old = timezone.now() - timedelta(minutes=2 * settings.PAYMENT_HOLD_MINUTES + 1)
    Payment.objects.filter(pk__in=[paid_silently.pk, failed.pk]).update(created_at=old)

    call_command("reconcile_payments")

    statuses = dict(Payment.objects.values_list("pk", "status"))
    assert statuses == {paid_silently.pk: Status.PAID, failed.pk: Status.FAILED, fresh.pk: Status.INITIATED}
    assert Appointment.objects.get(pk=paid_silently.object_id).status == Appointment.Status.REQUESTED

    Payment.objects.filter(pk=fresh.pk).update(created_at=old)
    settings.SSLCOMMERZ_BASE_URL = f"http://127.0.0.1:{closed_port()}"
    assert services.reconcile_payments()["unanswered"] == 1
    assert Payment.objects.get(pk=fresh.pk).status == Status.INITIATED
