"""The laboratory's background work, run by the Huey consumer: expiring unpaid orders, escalating critical results."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import escalate_unacknowledged_criticals, expire_stale_lab_holds


@db_periodic_task(crontab(minute="*"))
@lock_task("labs-expire-holds")
def expire_lab_holds_task() -> int:
    return expire_stale_lab_holds()


@db_periodic_task(crontab(minute="*/5"))
@lock_task("labs-escalate-criticals")
def escalate_criticals_task() -> int:
    return escalate_unacknowledged_criticals()
