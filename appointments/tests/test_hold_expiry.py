"""A payment hold that ran out is settled when the booking is next looked at, or by the cron command."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone


@pytest.mark.django_db
def test_stale_hold_shows_expired_on_the_patients_page(client_for, patient, make_appointment):
    stale = make_appointment(status="awaiting_payment", fee="500.00",
                             hold_expires_at=timezone.now() - timedelta(minutes=1))
    page = client_for(patient).get(reverse("appointments:detail", args=[stale.pk]))
    stale.refresh_from_db()
    assert stale.status == "expired"
    assert "Expired" in page.content.decode()


@pytest.mark.django_db
def test_running_hold_is_left_alone(client_for, patient, make_appointment):
    holding = make_appointment(status="awaiting_payment", fee="500.00",
                               hold_expires_at=timezone.now() + timedelta(minutes=10))
    client_for(patient).get(reverse("appointments:mine"))
    holding.refresh_from_db()
    assert holding.status == "awaiting_payment"


@pytest.mark.django_db
def test_reception_board_frees_stale_holds_of_the_day(client_for, hospital, receptionist, make_appointment):
    stale = make_appointment(status="awaiting_payment", fee="500.00",
                             hold_expires_at=timezone.now() - timedelta(minutes=1))
    client_for(receptionist).get(reverse("desk:reception", args=[hospital.slug]), {"date": stale.date.isoformat()})
    stale.refresh_from_db()
    assert stale.status == "expired"


@pytest.mark.django_db
def test_expire_holds_command(make_appointment, capsys):
    stale = make_appointment(status="awaiting_payment", fee="500.00",
                             hold_expires_at=timezone.now() - timedelta(minutes=1))
    call_command("expire_holds")
    stale.refresh_from_db()
    assert stale.status == "expired"
    assert "Expired 1 booking" in capsys.readouterr().out
