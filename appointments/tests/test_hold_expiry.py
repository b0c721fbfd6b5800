"""A payment hold that ran out: pages only say so (no write on GET); the cron command expires it."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatusChange
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def stale(make_appointment):
    return make_appointment(status="awaiting_payment", fee="500.00",
                            hold_expires_at=timezone.now() - timedelta(minutes=1))


def _nothing_written(stale, mailbox_before=0):
    stale.refresh_from_db()
    assert stale.status == "awaiting_payment"
    assert not AppointmentStatusChange.objects.filter(appointment=stale, to_status="expired").exists()
    assert not Notification.objects.filter(event="appointment_expired").exists()
    assert len(mail.outbox) == mailbox_before


def test_patients_pages_show_payment_time_ran_out_and_write_nothing(client_for, patient, stale,
                                                                    django_capture_on_commit_callbacks):
    client = client_for(patient)
    with django_capture_on_commit_callbacks(execute=True):
        detail = client.get(reverse("appointments:detail", args=[stale.pk])).content.decode()
        past = client.get(reverse("appointments:mine"), {"show": "past"}).content.decode()
        upcoming = client.get(reverse("appointments:mine")).content.decode()
    _nothing_written(stale)
    assert "Payment time ran out" in detail and "Payment time ran out" in past
    assert 'data-testid="pay-panel"' not in detail and "Cancel appointment" not in detail
    assert reverse("appointments:detail", args=[stale.pk]) not in upcoming


def test_reception_board_shows_payment_time_ran_out_and_writes_nothing(client_for, hospital, receptionist, stale,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = client_for(receptionist).get(reverse("desk:reception", args=[hospital.slug]),
                                            {"date": stale.date.isoformat()}).content.decode()
    _nothing_written(stale)
    assert "Payment time ran out" in page


def test_running_hold_is_awaiting_payment_with_a_pay_button(client_for, patient, make_appointment):
    holding = make_appointment(status="awaiting_payment", fee="500.00",
                               hold_expires_at=timezone.now() + timedelta(minutes=10))
    page = client_for(patient).get(reverse("appointments:detail", args=[holding.pk])).content.decode()
    assert not holding.payment_time_ran_out
    assert "Awaiting payment" in page and 'data-testid="pay-panel"' in page
    assert "Payment time ran out" not in page


def test_payment_time_ran_out_follows_the_clock(make_appointment):
    now = timezone.now()
    holding = make_appointment(status="awaiting_payment", fee="500.00", hold_expires_at=now + timedelta(minutes=10))
    with time_machine.travel(now + timedelta(minutes=9), tick=False):
        assert not holding.payment_time_ran_out
        assert list(Appointment.objects.stale_holds()) == []
    with time_machine.travel(now + timedelta(minutes=10), tick=False):
        assert holding.payment_time_ran_out
        assert list(Appointment.objects.stale_holds()) == [holding]


def test_expire_holds_command(stale, capsys):
    call_command("expire_holds")
    stale.refresh_from_db()
    assert stale.status == "expired" and not stale.payment_time_ran_out
    assert "Expired 1 booking" in capsys.readouterr().out
