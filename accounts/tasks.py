"""Accounts' background work: password reset links, and expired API tokens deleted nightly."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from .services import purge_expired_tokens, send_password_reset


@db_task()
def password_reset_task(email: str) -> int:
    return send_password_reset(email=email)


@db_periodic_task(crontab(hour="3", minute="10"))
@lock_task("accounts-purge-tokens")
def purge_expired_tokens_task() -> int:
    return purge_expired_tokens()
