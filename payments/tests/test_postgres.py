"""On PostgreSQL, with real threads: callbacks racing each other confirm once, and a stale hold frees its slot."""

import threading
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PatientFactory
from appointments import services as appointment_services
from appointments.models import Appointment
from appointments.slots import local_now
from appointments.tests.factories import ScheduleRuleFactory
from notifications.models import Notification
from payments.models import Payment, PaymentEvent
from payments.tests.conftest import settle
from payments.tests.test_confirm import start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*calls):
    """Run ``calls`` in threads released together; return their results (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as error:  # reported to the test, not swallowed
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def assert_confirmed_once(payment, payable, patient):
    payment.refresh_from_db()
    payable.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.events.filter(kind=PaymentEvent.Kind.STATUS, to_status="paid").count() == 1
    assert payable.status == Appointment.Status.REQUESTED
    assert payable.status_changes.filter(to_status="requested").count() == 1
    assert Notification.objects.filter(user=patient, event="payment_received").count() == 1
    assert Notification.objects.filter(user=patient, event="booking_received").count() == 1


def test_ipn_and_success_return_at_the_same_moment_confirm_once(sandbox, payable, patient):
    payment = start(payable, patient)
    notice = settle(payment)

    results = at_once(
        lambda: Client().post(reverse("payments:ipn"), notice).status_code,
        lambda: Client().post(reverse("payments:success"), notice).status_code,
    )

    assert results == [200, 303], results
    assert_confirmed_once(payment, payable, patient)


def test_same_ipn_twice_at_once_confirms_once(sandbox, payable, patient):
    payment = start(payable, patient)
    notice = settle(payment)

    results = at_once(*[lambda: Client().post(reverse("payments:ipn"), notice).status_code] * 2)

    assert results == [200, 200], results
    assert_confirmed_once(payment, payable, patient)


def test_stale_hold_expires_and_frees_the_slot(doctor_membership, patient):
    day = local_now(doctor_membership.hospital).date() + timedelta(days=3)
    ScheduleRuleFactory(membership=doctor_membership, weekday=day.weekday())
    held = appointment_services.book_appointment(patient=patient, membership=doctor_membership, day=day,
                                                 start=time(9, 0), reason="Fever")
    assert held.status == Appointment.Status.AWAITING_PAYMENT and held.can_be_paid()
    assert held.hold_expires_at > timezone.now() + timedelta(minutes=14)

    later = timezone.now() + timedelta(minutes=16)
    other = appointment_services.book_appointment(patient=PatientFactory(), membership=doctor_membership, day=day,
                                                  start=time(9, 0), reason="Cough", now=later)

    held.refresh_from_db()
    assert held.status == Appointment.Status.EXPIRED and not held.can_be_paid()
    assert other.status == Appointment.Status.AWAITING_PAYMENT


def test_two_pays_at_once_open_one_gateway_session(sandbox, payable, patient):
    """Two tabs (or a double click) press Pay at the same moment: one attempt, one session, both sent to it."""
    from healthstack.testing import in_threads
    from payments.sandbox.models import SandboxSession

    def press_pay(_):
        client = Client()
        client.force_login(patient)
        response = client.post(reverse("payments:start", args=[payable.payable_kind, payable.pk]))
        return response.status_code, response["Location"]

    results = in_threads(2, press_pay)

    payment = Payment.objects.get()
    page = payment.gateway_responses["session"]["GatewayPageURL"]
    assert results == [("ok", (303, page))] * 2, results
    assert SandboxSession.objects.get().tran_id == payment.tran_id
