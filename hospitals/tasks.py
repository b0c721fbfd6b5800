"""Hospitals' background work: invitations never accepted are deleted a while after they expired."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import purge_expired_invitations


@db_periodic_task(crontab(hour="3", minute="20"))
@lock_task("hospitals-purge-invitations")
def purge_expired_invitations_task() -> int:
    return purge_expired_invitations()
