"""Periodic lab work for the Huey consumer: expire unpaid orders, escalate unacknowledged critical results."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import services


@db_periodic_task(crontab(minute="*"))
@lock_task("labs-expire-holds")
def expire_lab_holds() -> int:
    """Every minute: lab orders whose payment hold ran out become expired."""
    return services.expire_stale_lab_holds()


@db_periodic_task(crontab(minute="*/5"))
@lock_task("labs-escalate-criticals")
def escalate_criticals() -> int:
    """Every five minutes: critical results nobody acknowledged in time go to the hospital's admins."""
    return services.escalate_unacknowledged_criticals()
