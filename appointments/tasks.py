"""Appointments' background work, run by the Huey consumer: sending reminders.

Bookings whose payment hold ran out are expired by payments' one sweep (``payments.tasks``)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import send_due_reminders


@db_periodic_task(crontab(minute="*"))
@lock_task("appointments-send-reminders")
def send_reminders_task() -> int:
    return send_due_reminders()
