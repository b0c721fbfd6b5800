"""confirm_payment and the gateway callbacks, with every bad input of the issue: nothing marked wrongly, no 500.

The gateway is the sandbox on the live server (real HTTP); callbacks are posted with
Django's test client, signed-in or not, as the gateway or a forger would post them.
"""

import logging
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from notifications.models import Notification
from payments import services
from payments.gateway import SUCCESS_SIGNED_FIELDS, gateway
from payments.models import Payment, PaymentEvent
from payments.tests.conftest import resign, settle
from payments.tests.test_gateway import closed_port, session_body

Status = Payment.Status


def start(payable, patient) -> Payment:
    payment, page = services.start_payment(payable=payable, payer=patient)
    assert page.endswith(f"/sandbox/sslcommerz/checkout/{payment.sessionkey}/")
    return payment


def post(view: str, data: dict, client=None):
    return (client or Client()).post(reverse(f"payments:{view}"), data)


def assert_untouched(payment: Payment, appointment: Appointment, *, receipts_sent: int = 0) -> None:
    payment.refresh_from_db()
    appointment.refresh_from_db()
    assert payment.status == Status.INITIATED and payment.val_id is None
    assert appointment.status == Appointment.Status.AWAITING_PAYMENT
    assert Notification.objects.filter(event="payment_received").count() == receipts_sent


def test_start_payment_fixes_amount_and_opens_a_session(sandbox, payable, patient):
    payment = start(payable, patient)

    assert (payment.amount, payment.currency, payment.status) == (Decimal("500.00"), "BDT", Status.INITIATED)
    assert payment.payable == payable and payment.hospital_id == payable.hospital_id and payment.sessionkey
    assert payment.events.get().kind == PaymentEvent.Kind.STARTED


def test_sandbox_ipn_confirms_the_payment_end_to_end(sandbox, payable, patient):
    payment = start(payable, patient)

    settle(payment, deliver=True)  # the sandbox posts the IPN to the live server, which asks the validation API

    payment.refresh_from_db()
    payable.refresh_from_db()
    assert payment.status == Status.PAID and payment.val_id and payment.card_type == "VISA-Dutch Bangla"
    assert payment.receipt_code.kind == "receipt"
    assert payable.status == Appointment.Status.REQUESTED and payable.hold_expires_at is None
    assert Notification.objects.filter(user=patient, event="payment_received").count() == 1


def test_success_post_without_session_cookie_confirms_and_redirects_to_a_login_page(sandbox, payable, patient):
    payment = start(payable, patient)
    notice = settle(payment)

    response = post("success", notice)  # a fresh client: no session, no CSRF token

    assert response.status_code == 303 and response["Location"] == reverse("appointments:detail", args=[payable.pk])
    payment.refresh_from_db()
    assert payment.status == Status.PAID
    assert Client().get(response["Location"]).status_code == 302  # behind login


def test_same_notice_twice_and_success_after_ipn_confirm_once(sandbox, payable, patient, client_for):
    payment = start(payable, patient)
    notice = settle(payment)

    assert post("ipn", notice).status_code == 200
    assert post("ipn", notice).status_code == 200
    assert post("success", notice, client_for(patient)).status_code == 303

    payment.refresh_from_db()
    assert payment.status == Status.PAID
    assert payment.events.filter(kind=PaymentEvent.Kind.STATUS).count() == 1
    assert Notification.objects.filter(event="payment_received").count() == 1
    assert payable.status_changes.filter(to_status="requested").count() == 1


def test_risky_payment_goes_on_hold_and_keeps_the_slot(sandbox, payable, patient):
    payment = start(payable, patient)

    assert post("ipn", settle(payment, "risky")).status_code == 200

    payment.refresh_from_db()
    payable.refresh_from_db()
    assert payment.status == Status.ON_HOLD and payment.risk_level == 1
    assert payable.status == Appointment.Status.AWAITING_PAYMENT and payable.hold_expires_at is None
    assert Notification.objects.filter(user=patient, event="payment_on_hold").count() == 1


@pytest.mark.parametrize("case", [
    "bad_signature", "verify_key_without_amount", "verify_key_without_tran_id", "unknown_tran_id", "empty",
])
@pytest.mark.parametrize("view", ["ipn", "success"])
def test_forged_or_unknown_notice_changes_nothing(case, view, sandbox, payable, patient, settings, caplog):
    payment = start(payable, patient)
    notice = settle(payment)
    password = settings.SSLCOMMERZ_STORE_PASSWORD
    if case == "bad_signature":
        notice["verify_sign"] = "0" * 32
    elif case == "verify_key_without_amount":
        notice = resign({**notice, "amount": "5.00"}, [k for k in notice if k != "amount"
                                                         and not k.startswith("verify_")], password)
    elif case == "verify_key_without_tran_id":
        notice = resign(notice, [k for k in notice if k != "tran_id" and not k.startswith("verify_")], password)
    elif case == "unknown_tran_id":
        notice = resign({**notice, "tran_id": "HS-NOT-OURS"}, SUCCESS_SIGNED_FIELDS, password)
    else:
        notice = {}
    caplog.set_level(logging.WARNING, logger="payments.services")

    response = post(view, notice)

    assert response.status_code == (400 if view == "ipn" else 303)
    assert_untouched(payment, payable)
    assert "callback rejected" in caplog.text


@pytest.mark.parametrize("mismatch", ["amount", "currency"])
def test_notice_for_a_different_amount_or_currency_changes_nothing(mismatch, sandbox, payable, patient):
    # A payment row whose gateway session was opened (by someone) for another amount or currency.
    payment = start(payable, patient)
    from payments.sandbox.models import SandboxSession

    SandboxSession.objects.filter(tran_id=payment.tran_id).delete()
    body = session_body(payment.tran_id, amount="400.00" if mismatch == "amount" else "500.00",
                        currency="USD" if mismatch == "currency" else "BDT")
    body["ipn_url"] = ""
    assert gateway().createSession(body)["status"] == "SUCCESS"

    response = post("ipn", settle(payment))

    assert response.status_code == 400
    assert_untouched(payment, payable)
    assert "differs" in payment.events.get(kind=PaymentEvent.Kind.REJECTED).note


def test_replayed_val_id_of_another_payment_changes_nothing(sandbox, make_payable, patient, settings):
    first, second = make_payable(), make_payable()
    paid = start(first, patient)
    assert post("ipn", settle(paid)).status_code == 200
    paid.refresh_from_db()
    other = start(second, patient)
    # A correctly signed notice for the second payment carrying the first one's val_id.
    notice = resign({**settle(other), "val_id": paid.val_id}, SUCCESS_SIGNED_FIELDS, settings.SSLCOMMERZ_STORE_PASSWORD)

    assert post("ipn", notice).status_code == 400
    assert_untouched(other, second, receipts_sent=1)
    assert "replay" in other.events.get(kind=PaymentEvent.Kind.REJECTED).note


def test_validation_api_saying_invalid_transaction_changes_nothing(sandbox, payable, patient, settings):
    payment = start(payable, patient)
    notice = resign({**settle(payment), "val_id": "260101000000NOSUCHVALID"}, SUCCESS_SIGNED_FIELDS,
                    settings.SSLCOMMERZ_STORE_PASSWORD)

    assert post("ipn", notice).status_code == 400
    assert_untouched(payment, payable)
    assert "INVALID_TRANSACTION" in payment.events.get(kind=PaymentEvent.Kind.REJECTED).note


@pytest.mark.parametrize("gateway_state", ["not_answering", "garbage"])
def test_gateway_down_means_try_again(gateway_state, sandbox, payable, patient, settings, client_for):
    payment = start(payable, patient)
    notice = settle(payment)
    settings.SSLCOMMERZ_BASE_URL = (f"http://127.0.0.1:{closed_port()}" if gateway_state == "not_answering"
                                    else sandbox + "/?page=")
    settings.PAYMENT_GATEWAY_TIMEOUT = 2

    assert post("ipn", notice).status_code == 503
    response = post("success", notice, client_for(patient))

    assert response.status_code == 303
    assert_untouched(payment, payable)
    assert not payment.events.filter(kind=PaymentEvent.Kind.REJECTED).exists()


def test_fail_callback_after_paid_changes_nothing(sandbox, payable, patient, settings):
    payment = start(payable, patient)
    assert post("ipn", settle(payment)).status_code == 200
    failure = resign({"tran_id": payment.tran_id, "status": "FAILED", "store_id": settings.SSLCOMMERZ_STORE_ID,
                      "amount": "500.00", "error": "Declined"}, ["tran_id", "status", "store_id", "amount", "error"],
                     settings.SSLCOMMERZ_STORE_PASSWORD)

    assert post("fail", failure).status_code == 303
    assert post("cancel", {**failure}).status_code == 303
    assert post("ipn", failure).status_code == 200

    payment.refresh_from_db()
    assert payment.status == Status.PAID


@pytest.mark.parametrize("outcome, status", [("fail", Status.FAILED), ("cancel", Status.CANCELLED)])
def test_failed_or_cancelled_payment_leaves_the_appointment_payable(outcome, status, sandbox, payable, patient):
    payment = start(payable, patient)

    response = post(outcome, settle(payment, outcome))

    assert response.status_code == 303 and response["Location"] == reverse("appointments:detail", args=[payable.pk])
    payment.refresh_from_db()
    payable.refresh_from_db()
    assert payment.status == status
    assert payable.status == Appointment.Status.AWAITING_PAYMENT and payable.can_be_paid()
    again = start(payable, patient)
    assert again.pk != payment.pk


def test_unsigned_fail_callback_changes_nothing(sandbox, payable, patient):
    payment = start(payable, patient)

    assert post("fail", {"tran_id": payment.tran_id, "status": "FAILED"}).status_code == 303

    assert_untouched(payment, payable)


def test_payment_confirmed_after_the_hold_ran_out_is_refunded(sandbox, payable, patient,
                                                              django_capture_on_commit_callbacks):
    payment = start(payable, patient)
    Appointment.objects.filter(pk=payable.pk).update(status="expired", hold_expires_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_payment(settle(payment), source="ipn")

    payment.refresh_from_db()
    assert payment.status == Status.REFUNDED and payment.refunded_amount == Decimal("500.00")
    assert Notification.objects.filter(user=patient, event="payment_refunded").exists()


def test_start_refuses_a_payable_whose_hold_ran_out(payable, patient):
    Appointment.objects.filter(pk=payable.pk).update(hold_expires_at=timezone.now() - timedelta(seconds=1))
    payable.refresh_from_db()

    with pytest.raises(services.PaymentError, match="no longer be paid"):
        services.start_payment(payable=payable, payer=patient)
    assert not Payment.objects.exists()


def test_gateway_down_at_start_marks_the_attempt_failed(payable, patient, settings):
    settings.SSLCOMMERZ_BASE_URL = f"http://127.0.0.1:{closed_port()}"

    with pytest.raises(services.PaymentError, match="not answering"):
        services.start_payment(payable=payable, payer=patient)
    assert Payment.objects.get().status == Status.FAILED


def test_paying_with_a_new_checkout_closes_the_abandoned_attempt(sandbox, make_payable, patient, settings):
    settings.PAYMENT_HOLD_MINUTES = 15
    payable = make_payable(hold_expires_at=timezone.now() + timedelta(hours=1))
    with time_machine.travel(timezone.now() - timedelta(minutes=20)):
        abandoned = start(payable, patient)  # the payer closed this checkout page, long enough ago to be stale
    retry = start(payable, patient)

    assert post("ipn", settle(retry)).status_code == 200

    abandoned.refresh_from_db()
    assert abandoned.status == Status.CANCELLED
    closing = abandoned.events.get(kind=PaymentEvent.Kind.STATUS)
    assert (closing.from_status, closing.to_status) == (Status.INITIATED, Status.CANCELLED)
    assert retry.tran_id in closing.note
    retry.refresh_from_db()
    assert retry.status == Status.PAID
