"""The platform's background tasks: sending the outbox, and the consumer's heartbeat for /healthz.

Each app keeps its own periodic work in its ``tasks.py`` (Huey finds them); a periodic task
takes a lock (``lock_task``) so two consumers never run it at once, and the service it calls is
safe to run twice anyway.
"""

import time

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, lock_task, on_startup

from . import mail

HEARTBEAT_KEY = "consumer-heartbeat"


@db_task()
def deliver_email_task(email_id: int) -> str:
    return mail.deliver_email(email_id)


@db_periodic_task(crontab(minute="*"))
@lock_task("healthstack-deliver-due-emails")
def deliver_due_emails_task() -> dict:
    return mail.deliver_due_emails()


@db_periodic_task(crontab(minute="*"))
def heartbeat_task() -> None:
    beat()


def beat() -> None:
    """Record that a consumer is alive (read by /healthz)."""
    HUEY.put(HEARTBEAT_KEY, time.time())


def last_heartbeat() -> float | None:
    """When a consumer last said it was alive (a Unix time), or None."""
    return HUEY.get(HEARTBEAT_KEY, peek=True)


@on_startup()
def _consumer_started() -> None:
    # A consumer that starts (after a crash, say) beats at once and sends what waited for it.
    beat()
    mail.deliver_due_emails()
