"""Records' background work: the access log's hash chain is checked every night."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import check_access_log_chain


@db_periodic_task(crontab(hour="2", minute="30"))
@lock_task("records-verify-access-log")
def verify_access_log_task() -> str | None:
    return check_access_log_chain()
