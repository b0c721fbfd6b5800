"""The periodic work the consumer runs: what is scheduled when, one runner at a time, and each job's effect."""

from datetime import datetime, timedelta, timezone as dt_timezone, UTC

import pytest
from django.core import mail as django_mail
from django.db import connection
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY
from huey.exceptions import TaskLockedException

from accounts.models import ApiToken
from accounts.services import purge_expired_tokens
from hospitals.models import StaffInvitation
from hospitals.services import purge_expired_invitations
from records import services as records_services
from records.models import AccessLog

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def _due(when: datetime) -> set[str]:
    """The periodic jobs a consumer starts at ``when`` (Huey's own schedule check, in UTC)."""
    autodiscover_modules("tasks")  # as `manage.py run_huey` does
    return {task.name for task in HUEY.read_periodic(when.replace(tzinfo=None))}


def test_every_sweep_is_scheduled_with_its_rhythm():
    every_minute = {"expire_holds_task", "send_reminders_task", "deliver_due_emails_task", "heartbeat_task"}
    for minute in range(0, 7):
        assert every_minute <= _due(NOW + timedelta(minutes=minute))
    reconcile = [m for m in range(60) if "reconcile_payments_task" in _due(NOW.replace(minute=m))]
    assert reconcile == [0, 10, 20, 30, 40, 50]
    day = [NOW.replace(hour=h, minute=m) for h in range(24) for m in range(60)]
    runs = [name for when in day for name in _due(when)]
    for nightly in ("verify_access_log_task", "purge_expired_tokens_task", "purge_expired_invitations_task"):
        assert runs.count(nightly) == 1, nightly


def test_two_consumers_never_run_one_periodic_job_at_once():
    lock = HUEY.lock_task("appointments-send-reminders")
    with lock:
        with pytest.raises(TaskLockedException):
            with HUEY.lock_task("appointments-send-reminders"):
                pass
    with HUEY.lock_task("appointments-send-reminders"):
        pass  # released: the next minute's run goes ahead


@pytest.mark.django_db
def test_expired_tokens_are_purged_and_live_ones_kept(patient):
    live, _ = ApiToken.objects.create(user=patient, expiry=timedelta(hours=1))
    expired, _ = ApiToken.objects.create(user=patient, expiry=timedelta(hours=1))
    ApiToken.objects.filter(pk=live.pk).update(expiry=NOW + timedelta(hours=1))
    ApiToken.objects.filter(pk=expired.pk).update(expiry=NOW - timedelta(minutes=1))
    assert purge_expired_tokens(now=NOW) == 1
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [live.pk]


@pytest.mark.django_db
def test_invitations_never_accepted_are_purged_a_month_after_they_expired(hospital, settings):
    settings.INVITATION_RETENTION_DAYS = 30

    def invite(email, expired_days_ago, **fields):
        return StaffInvitation.objects.create(hospital=hospital, email=email, full_name="X", role="receptionist",
                                              token=email, expires_at=NOW - timedelta(days=expired_days_ago),
                                              **fields)

    invite("old@example.com", 31)
    recent = invite("recent@example.com", 29)
    accepted = invite("accepted@example.com", 90, accepted_at=NOW - timedelta(days=95))
    assert purge_expired_invitations(now=NOW) == 1
    assert set(StaffInvitation.objects.values_list("pk", flat=True)) == {recent.pk, accepted.pk}


@pytest.mark.django_db
def test_a_broken_access_log_chain_alerts_the_operators(doctor, patient, hospital, settings,
                                                         django_capture_on_commit_callbacks):
    settings.OPERATOR_EMAILS = ["ops@example.com", "oncall@example.com"]
    rows = [records_services.append_access_log(accessor=doctor, hospital=hospital, role="doctor", patient=patient,
                                               object_type="record", object_id=None, label=f"Record {i}")
            for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        assert records_services.check_access_log_chain(now=NOW) is None
    assert django_mail.outbox == []

    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AccessLog._meta.db_table} SET label = %s WHERE id = %s", ["x", rows[1].pk])
    with django_capture_on_commit_callbacks(execute=True):
        problem = records_services.check_access_log_chain()
    assert f"row id {rows[1].pk}" in problem
    assert sorted(message.to[0] for message in django_mail.outbox) == ["oncall@example.com", "ops@example.com"]
    assert "broken" in django_mail.outbox[0].subject and problem in django_mail.outbox[0].body
