"""Background work of the pharmacy: every minute, orders whose payment hold ran out give their stock back."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import expire_stale_medicine_holds


@db_periodic_task(crontab(minute="*"))
@lock_task("pharmacy-expire-holds")
def expire_medicine_holds() -> int:
    """Expire stale medicine orders (releasing their reserved stock); return how many. One run at a time."""
    return expire_stale_medicine_holds()
