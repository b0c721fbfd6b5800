"""Payments' background work: settling payments the gateway never called back about."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import reconcile_payments


@db_periodic_task(crontab(minute="*/10"))
@lock_task("payments-reconcile")
def reconcile_payments_task() -> dict:
    return dict(reconcile_payments())
