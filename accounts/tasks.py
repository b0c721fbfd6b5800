"""Accounts' background work: expired API tokens are deleted nightly."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import purge_expired_tokens


@db_periodic_task(crontab(hour="3", minute="10"))
@lock_task("accounts-purge-tokens")
def purge_expired_tokens_task() -> int:
    return purge_expired_tokens()
