"""A signed notice for an already-paid val_id is compared with the payment too, not waved through as a repeat.

A notice with our signature but another amount or currency means someone holds the store
password (or the gateway is wrong): it is refused as a fresh one would be, logged on the
payment, and the operators are emailed. The IPN is posted over real HTTP to the live server.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
import requests
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from healthstack.models import OutgoingEmail
from payments.gateway import SUCCESS_SIGNED_FIELDS, sign
from payments.services import _notice_mismatch
from payments.models import Payment, PaymentEvent
from payments.tests.conftest import resign, settle
from payments.tests.test_confirm import post, start

ALERT = "payment_mismatch"


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser(email="ops@example.test", password="x", full_name="Ops")


def ipn_over_http(server: str, notice: dict) -> requests.Response:
    return requests.post(server + reverse("payments:ipn"), data=notice, timeout=30)


@pytest.mark.parametrize("changed", [
    {"amount": "1.00"}, {"currency": "USD"}, {"amount": "5.00", "currency": "EUR"}, {"store_id": "another-store"},
], ids=["amount", "currency", "both", "store"])
def test_notice_for_a_paid_val_id_with_another_amount_or_currency_is_refused_and_reported(
        changed, sandbox, payable, patient, operator, settings, sent_emails, client_for):
    payment = start(payable, patient)
    notice = settle(payment)
    assert ipn_over_http(sandbox, notice).status_code == 200
    forged = resign({**notice, **changed}, SUCCESS_SIGNED_FIELDS, settings.SSLCOMMERZ_STORE_PASSWORD)

    answer = ipn_over_http(sandbox, forged)

    assert (answer.status_code, answer.text) == (400, "rejected")
    payment.refresh_from_db()
    assert (payment.status, payment.amount, payment.currency) == (Payment.Status.PAID, 500, "BDT")
    rejected = payment.events.get(kind=PaymentEvent.Kind.REJECTED)
    assert rejected.source == "ipn" and ("differs" in rejected.note or "another store" in rejected.note)
    alerts = [email for email in sent_emails() if email.to == [operator.email]]
    assert len(alerts) == 1 and payment.tran_id in alerts[0].subject
    assert payment.tran_id in alerts[0].body and "500.00 BDT" in alerts[0].body

    returned = post("success", forged, client_for(patient))  # the same notice on the browser's return

    assert returned.status_code == 303
    shown = [str(message) for message in get_messages(returned.wsgi_request)]
    assert any("could not confirm" in text for text in shown) and not any("received" in text for text in shown)
    assert payment.events.filter(kind=PaymentEvent.Kind.REJECTED).count() == 2
    # One email an hour per payment: the second refusal is on the payment's log, not in the inbox.
    assert OutgoingEmail.objects.filter(to=operator.email, about=ALERT).count() == 1


def test_genuine_repeat_of_a_paid_notice_is_still_answered_ok_without_an_alert(sandbox, payable, patient, operator):
    payment = start(payable, patient)
    notice = settle(payment)

    assert [ipn_over_http(sandbox, notice).text for _ in range(2)] == ["OK", "OK"]

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert not payment.events.filter(kind=PaymentEvent.Kind.REJECTED).exists()
    assert not OutgoingEmail.objects.filter(about=ALERT).exists()


def test_fresh_notice_with_another_amount_is_refused_and_reported_though_the_gateway_vouches_for_the_val_id(
        sandbox, payable, patient, operator, settings, sent_emails):
    payment = start(payable, patient)
    notice = settle(payment)
    forged = resign({**notice, "amount": "1.00"}, SUCCESS_SIGNED_FIELDS, settings.SSLCOMMERZ_STORE_PASSWORD)

    assert ipn_over_http(sandbox, forged).status_code == 400

    payment.refresh_from_db()
    assert payment.status == Payment.Status.INITIATED
    assert "differs" in payment.events.get(kind=PaymentEvent.Kind.REJECTED).note
    assert [email.to for email in sent_emails() if payment.tran_id in email.subject] == [[operator.email]]
    assert ipn_over_http(sandbox, notice).text == "OK"  # the gateway's own notice still confirms it
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


@pytest.mark.parametrize("sent, asked, refused", [
    (("BDT", "1200.00"), ("USD", "10.00"), False),  # BDT equivalent beside what was asked: ours
    (("BDT", "1200.00"), ("USD", "9.00"), True),
    (("USD", "1.00"), ("USD", "10.00"), True),  # same currency, so the amount must be ours too
    (("BDT", "1200.00"), None, True),  # nothing signed says USD 10.00
])
def test_multi_currency_notice_is_compared_on_what_was_asked(sent, asked, refused):
    fields = {"currency": sent[0], "amount": sent[1]}
    if asked:
        fields.update(currency_type=asked[0], currency_amount=asked[1])
    fields.update(sign(fields, fields.keys(), "password"))

    reason = _notice_mismatch(fields, Payment(currency="USD", amount=Decimal("10.00")))

    assert bool(reason) is refused and (not refused or "differs" in reason)


def test_a_stream_of_forged_notices_emails_the_operators_once_an_hour(sandbox, payable, patient, operator, settings):
    payment = start(payable, patient)
    notice = settle(payment)
    assert ipn_over_http(sandbox, notice).status_code == 200
    forged = resign({**notice, "amount": "1.00"}, SUCCESS_SIGNED_FIELDS, settings.SSLCOMMERZ_STORE_PASSWORD)

    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            assert post("ipn", forged).status_code == 400
        clock.shift(timedelta(minutes=61))
        assert post("ipn", forged).status_code == 400

    assert payment.events.filter(kind=PaymentEvent.Kind.REJECTED).count() == 6
    assert OutgoingEmail.objects.filter(to=operator.email, about=ALERT).count() == 2
