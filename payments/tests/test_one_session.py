"""One live gateway session per payable: a second Pay resumes the open checkout or says it is paid; a second
payment that still gets through is refunded saying plainly that it was paid twice, and lists no receipt."""

from datetime import timedelta
from decimal import Decimal

import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from notifications.models import Notification
from payments import services
from payments.models import Payment, PaymentEvent
from payments.sandbox.models import SandboxSession
from payments.tests.conftest import pay_twice, settle
from payments.tests.test_confirm import post, start

Status = Payment.Status


def _pay_button(client, payable):
    return client.post(reverse("payments:start", args=[payable.payable_kind, payable.pk]))


def test_a_second_pay_resumes_the_open_checkout(sandbox, payable, patient, client_for):
    first = _pay_button(client_for(patient), payable)  # two tabs of the appointment page
    second = _pay_button(client_for(patient), payable)

    payment = Payment.objects.get()
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"] == payment.gateway_responses["session"]["GatewayPageURL"]
    assert SandboxSession.objects.count() == 1
    assert payment.events.filter(kind=PaymentEvent.Kind.NOTE, note__contains="resumed").count() == 1


def test_pay_once_paid_says_it_is_already_paid_and_shows_the_appointment(sandbox, payable, patient, client_for):
    assert post("ipn", settle(start(payable, patient))).status_code == 200
    client = client_for(patient)

    response = _pay_button(client, payable)  # the second tab still shows the Pay button

    assert response.status_code == 303 and response["Location"] == reverse("appointments:detail", args=[payable.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "This is already paid; there is nothing more to pay."]
    assert Payment.objects.count() == SandboxSession.objects.count() == 1


def test_a_checkout_that_failed_or_went_stale_is_not_resumed(sandbox, make_payable, patient, settings):
    settings.PAYMENT_HOLD_MINUTES = 15
    payable = make_payable(hold_expires_at=timezone.now() + timedelta(hours=2))
    failed = start(payable, patient)
    post("fail", settle(failed, "fail"))
    assert start(payable, patient) != failed

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        stale = Payment.objects.filter(status=Status.INITIATED).get()
        assert start(payable, patient) != stale
    assert SandboxSession.objects.count() == 3


def test_a_second_payment_is_refunded_saying_it_was_paid_twice(sandbox, payable, patient, client_for, settings,
                                                                mailoutbox):
    first, second = pay_twice(payable, patient, settings)

    first.refresh_from_db()
    second.refresh_from_db()
    payable.refresh_from_db()
    assert first.status == Status.PAID and payable.status == Appointment.Status.REQUESTED
    assert (second.status, second.refunded_amount, second.duplicate_of) == (Status.REFUNDED, Decimal("500.00"), first)
    assert second.receipt_code is None
    assert Notification.objects.filter(user=patient, event="payment_received").count() == 1
    refund = Notification.objects.get(user=patient, event="payment_refunded")
    assert (f"You paid twice for this. Your first payment (transaction {first.tran_id}) stands; "
            "this second payment is refunded in full.") in refund.body
    assert "cannot be sent to the hospital" not in refund.body
    assert [m.subject for m in mailoutbox if m.subject.startswith("Payment received")] == [
        "Payment received: BDT 500.00 to Green Life Hospital"]

    client = client_for(patient)
    page = client.get(reverse("appointments:detail", args=[payable.pk]))
    assert list(page.context["receipts"]) == [first]
    assert page.content.decode().count("Payment receipt (BDT 500.00, PDF)") == 1


def test_my_payments_lists_attempts_apart_from_the_payments_that_stand(sandbox, make_payable, patient, client_for,
                                                                        settings):
    settings.PAYMENT_HOLD_MINUTES = 15
    kept = make_payable()
    assert post("ipn", settle(start(kept, patient))).status_code == 200
    failed = start(make_payable(), patient)
    post("fail", settle(failed, "fail"))
    with time_machine.travel(timezone.now() - timedelta(minutes=40)):
        left = start(make_payable(hold_expires_at=timezone.now() + timedelta(hours=2)), patient)
    duplicated = make_payable()
    _, duplicate = pay_twice(duplicated, patient, settings)

    page = client_for(patient).get(reverse("payments:mine"))

    standing = [p.tran_id for p in page.context["page_obj"]]
    assert standing == [p.tran_id for p in Payment.objects.filter(status=Status.PAID, duplicate_of=None)]
    assert len(standing) == 2
    rows = {p.tran_id: p for p in page.context["attempts"]}
    assert set(rows) == {failed.tran_id, left.tran_id, duplicate.tran_id}
    html = page.content.decode()
    attempts_table = html[html.index('data-testid="attempts"'):]
    for text in ("Left unfinished; nothing was taken", "Did not go through; nothing was taken",
                 "Paid twice: refunded in full"):
        assert text in attempts_table
    assert html[:html.index('data-testid="attempts"')].count(duplicate.tran_id) == 0

    everything = client_for(patient).get(reverse("payments:attempts"))
    assert {p.tran_id for p in everything.context["page_obj"]} == set(rows)


def test_the_payments_shortcut_counts_payments_that_stand(sandbox, payable, patient, settings):
    from accounts.home import shortcuts_for

    pay_twice(payable, patient, settings)

    shortcut = next(s for s in shortcuts_for(patient) if s["key"] == "payments")
    assert shortcut["count"] == 1


def test_an_attempt_whose_request_died_before_the_gateway_answered_does_not_block_paying(sandbox, payable, patient):
    with time_machine.travel(timezone.now() - timedelta(minutes=1)):
        dead = Payment.objects.create(
            tran_id="HSNOANSWER", payer=patient, hospital_id=payable.hospital_id, amount=Decimal("500.00"),
            description="Visit", content_type=services.content_type_of(payable), object_id=payable.pk,
        )

    payment = start(payable, patient)

    assert payment != dead and SandboxSession.objects.get().tran_id == payment.tran_id
