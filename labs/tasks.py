"""The laboratory's background work, run by the Huey consumer: escalating critical results.

Unpaid orders whose hold ran out are expired by payments' one sweep (``payments.tasks``)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import escalate_unacknowledged_criticals


@db_periodic_task(crontab(minute="*/5"))
@lock_task("labs-escalate-criticals")
def escalate_criticals_task() -> int:
    return escalate_unacknowledged_criticals()
