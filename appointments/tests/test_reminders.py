"""Reminders 24 hours and 2 hours before a confirmed visit: each exactly once, never for a cancelled one."""

from datetime import time, timedelta

import pytest
import time_machine
from django.core import mail

from appointments.models import Appointment, AppointmentReminder
from appointments.services import cancel_appointment, send_due_reminders
from healthstack.testing import in_threads
from notifications.models import Notification


@pytest.fixture
def confirmed(make_appointment):
    appointment = make_appointment(status=Appointment.Status.CONFIRMED, token_number=4)
    # Booked well before either reminder's lead time.
    Appointment.objects.filter(pk=appointment.pk).update(created_at=appointment.starts_at - timedelta(days=5))
    appointment.refresh_from_db()
    return appointment


def _reminders(appointment):
    return list(AppointmentReminder.objects.filter(appointment=appointment).order_by("sent_at")
                .values_list("kind", flat=True))


@pytest.mark.django_db
def test_a_confirmed_visit_is_reminded_a_day_before_and_two_hours_before_once_each(
        confirmed, django_capture_on_commit_callbacks):
    start = confirmed.starts_at
    sent = []
    for before in (timedelta(hours=25), timedelta(hours=24), timedelta(hours=23), timedelta(hours=2, minutes=1),
                   timedelta(hours=2), timedelta(minutes=30)):
        with time_machine.travel(start - before, tick=False), django_capture_on_commit_callbacks(execute=True):
            sent.append(send_due_reminders())
    assert sent == [0, 1, 0, 0, 1, 0]
    assert _reminders(confirmed) == ["24h", "2h"]
    subjects = [message.subject for message in mail.outbox]
    assert len(subjects) == 2 and all(subject.startswith("Reminder: ") for subject in subjects)
    assert "24 hours before" in mail.outbox[0].body and "token" in mail.outbox[0].body.lower()
    assert Notification.objects.filter(user=confirmed.patient, event="appointment_reminder").count() == 2


@pytest.mark.django_db
def test_a_sweep_that_was_down_sends_only_the_reminder_still_ahead(confirmed):
    # The consumer was down through the 24-hour mark: at T-90 min only the 2-hour reminder is due.
    assert send_due_reminders(now=confirmed.starts_at - timedelta(minutes=90)) == 1
    assert _reminders(confirmed) == ["2h"]
    # After the start nothing is sent any more.
    assert send_due_reminders(now=confirmed.starts_at + timedelta(minutes=1)) == 0


@pytest.mark.django_db
def test_a_visit_booked_inside_the_day_gets_only_the_two_hour_reminder(make_appointment):
    appointment = make_appointment(status=Appointment.Status.CONFIRMED, start=time(10, 0))
    Appointment.objects.filter(pk=appointment.pk).update(created_at=appointment.starts_at - timedelta(hours=6))
    start = appointment.starts_at
    assert send_due_reminders(now=start - timedelta(hours=5)) == 0
    assert send_due_reminders(now=start - timedelta(hours=2)) == 1
    assert _reminders(appointment) == ["2h"]


@pytest.mark.django_db
def test_a_visit_cancelled_after_its_reminder_was_due_is_not_reminded(confirmed, django_capture_on_commit_callbacks):
    cancel_appointment(appointment=confirmed, by=confirmed.patient, reason="Feeling better",
                      now=confirmed.starts_at - timedelta(days=2))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(now=confirmed.starts_at - timedelta(hours=24)) == 0
        assert send_due_reminders(now=confirmed.starts_at - timedelta(hours=2)) == 0
    assert _reminders(confirmed) == [] and mail.outbox == []


@pytest.mark.django_db
def test_requested_and_arrived_visits_are_not_reminded(make_appointment, confirmed):
    requested = make_appointment(status=Appointment.Status.REQUESTED, start=time(11, 0))
    Appointment.objects.filter(pk=confirmed.pk).update(arrived_at=confirmed.starts_at - timedelta(hours=3))
    assert send_due_reminders(now=confirmed.starts_at - timedelta(hours=2)) == 0
    assert _reminders(requested) == [] and _reminders(confirmed) == []


@pytest.mark.django_db
def test_the_same_reminder_is_refused_a_second_time_by_the_database(confirmed):
    from django.db import IntegrityError, transaction

    assert send_due_reminders(now=confirmed.starts_at - timedelta(hours=24)) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentReminder.objects.create(appointment=confirmed, kind="24h", sent_at=confirmed.starts_at)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_consumers_sweeping_at_once_send_each_reminder_once(make_appointment):
    appointments = []
    for hour in (9, 10, 11):
        appointment = make_appointment(status=Appointment.Status.CONFIRMED, start=time(hour, 0))
        Appointment.objects.filter(pk=appointment.pk).update(created_at=appointment.starts_at - timedelta(days=5))
        appointments.append(appointment)
    now = appointments[-1].starts_at - timedelta(hours=23)  # all three inside their 24-hour window
    results = in_threads(4, lambda i: send_due_reminders(now=now))
    assert [outcome for outcome, _ in results] == ["ok"] * 4, results
    sent = [count for _, count in results]
    assert sum(sent) == 3
    assert AppointmentReminder.objects.count() == 3
    assert Notification.objects.filter(event="appointment_reminder").count() == 3
