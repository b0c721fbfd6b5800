"""On PostgreSQL, with real threads, for every payable kind: twenty Pay presses at once open one gateway
session, twenty copies of its paid notice at once confirm it once, and sweeps running at once expire each once."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from healthstack.testing import in_threads
from notifications.models import Notification
from payments import lifecycle, services
from payments.models import Payment, PaymentEvent
from payments.sandbox.models import SandboxSession
from payments.tests.conftest import settle
from payments.tests.kinds import KINDS, PAID_STATUS

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
RACERS = 20


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_twenty_pays_at_once_open_one_session_and_twenty_notices_confirm_once(kind, sandbox, patient, hospital):
    payable = KINDS[kind](patient, hospital, timezone.now())

    pressed = in_threads(RACERS, lambda i: services.start_payment(payable=payable, payer=patient)[0].pk)

    assert {outcome for outcome, _ in pressed} == {"ok"}, pressed
    assert len({pk for _, pk in pressed}) == 1
    assert Payment.objects.count() == SandboxSession.objects.count() == 1
    payment = Payment.objects.get()
    notice = settle(payment)

    answered = in_threads(RACERS, lambda i: Client().post(reverse("payments:ipn"), notice).status_code)

    assert answered == [("ok", 200)] * RACERS, answered
    payment.refresh_from_db()
    payable.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.events.filter(kind=PaymentEvent.Kind.STATUS, to_status="paid").count() == 1
    assert payable.status == PAID_STATUS[kind]
    assert payable.status_changes.filter(to_status=PAID_STATUS[kind]).count() == 1
    assert Notification.objects.filter(user=patient, event="payment_received").count() == 1


def test_sweeps_running_at_once_expire_each_stale_hold_once(patient, hospital, settings):
    settings.PAYMENT_HOLD_MINUTES = 15
    now = timezone.now()
    made = [make(patient, hospital, now) for make in KINDS.values() for _ in range(2)]

    swept = in_threads(4, lambda i: lifecycle.expire_stale_holds(now=now + timedelta(hours=1), batch=2))

    assert {outcome for outcome, _ in swept} == {"ok"}, swept
    assert sum(count for _, count in swept) == len(made)
    for payable in made:
        payable.refresh_from_db()
        assert payable.status == "expired"
        assert payable.status_changes.filter(to_status="expired").count() == 1
