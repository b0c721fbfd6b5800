"""Appointments' background work, run by the Huey consumer: expiring unpaid holds and sending reminders."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import expire_stale_holds, send_due_reminders


@db_periodic_task(crontab(minute="*"))
@lock_task("appointments-expire-holds")
def expire_holds_task() -> int:
    return expire_stale_holds()


@db_periodic_task(crontab(minute="*"))
@lock_task("appointments-send-reminders")
def send_reminders_task() -> int:
    return send_due_reminders()
