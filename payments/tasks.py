"""Payments' background work: expiring unpaid holds of every payable, settling payments the gateway never called back about."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .lifecycle import expire_stale_holds
from .services import reconcile_payments


@db_periodic_task(crontab(minute="*"))
@lock_task("payments-expire-holds")
def expire_holds_task() -> int:
    """Every minute: appointments, lab orders and medicine orders whose payment hold ran out expire."""
    return expire_stale_holds()


@db_periodic_task(crontab(minute="*/10"))
@lock_task("payments-reconcile")
def reconcile_payments_task() -> dict:
    return dict(reconcile_payments())
