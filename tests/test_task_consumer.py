"""A real Huey consumer beside a live Daphne, both on the SQLite file database, mailing a real SMTP server.

The faults of the reliable-default issue: the mail server refusing connections and then coming
back (every email arrives exactly once), and the consumer killed in the middle of sending (the
email is sent once by the next consumer). Nothing is lost, nothing is sent twice, no page 500s.
"""

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.services import issue_api_token
from accounts.tests.factories import PatientFactory
from appointments.slots import local_now
from appointments.tests.factories import ScheduleRuleFactory
from healthstack.models import OutgoingEmail
from tests.harness import REPO_ROOT, LiveServer, database_url, free_port

pytestmark = pytest.mark.django_db(transaction=True)
WAIT_SECONDS = 60


class Mailbox:
    """An SMTP server's handler: keeps each accepted message's Message-ID; can be told to hang."""

    def __init__(self):
        self.received: list[str] = []
        self.hang = threading.Event()
        self.hanging = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.hang.is_set():
            self.hanging.set()
            while self.hang.is_set():
                await asyncio.sleep(0.1)
            return "451 Try again later"
        message_id = next(line.split(":", 1)[1].strip() for line in envelope.content.decode().splitlines()
                          if line.lower().startswith("message-id:"))
        self.received.append(message_id)
        return "250 OK"


def _wait_for(condition, what: str, timeout: float = WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def _stack(harness_dir, tmp_path, **extra_env):
    smtp_port = free_port()
    env = {
        "HUEY_IMMEDIATE": "0",
        "HUEY_DATABASE": str(tmp_path / "tasks.sqlite3"),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "EMAIL_TIMEOUT": "3",
        "EMAIL_RETRY_BASE_SECONDS": "1",
        "EMAIL_RETRY_MAX_SECONDS": "2",
        "EMAIL_CLAIM_SECONDS": "4",
        **extra_env,
    }
    server = LiveServer(
        database_url=database_url(connection.settings_dict), media_root=harness_dir / "media",
        private_media_root=harness_dir / "private_media", mail_dir=harness_dir / "mail-consumer",
        log_path=harness_dir / "daphne-consumer.log", secret_key=settings.SECRET_KEY, extra_env=env,
    ).start()
    consumers = []

    def start_consumer():
        log = open(harness_dir / "consumer.log", "ab")
        process = subprocess.Popen([sys.executable, "manage.py", "run_huey", "--workers", "1", "--delay", "0.1"],
                                   cwd=REPO_ROOT, env={**server.env, **env}, stdout=log, stderr=subprocess.STDOUT)
        consumers.append(process)
        return process

    try:
        yield server, start_consumer, smtp_port
    finally:
        for process in consumers:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        server.stop()


@pytest.fixture
def stack(harness_dir, tmp_path):
    """Daphne and a consumer sharing the test database, a Huey file and an SMTP address (not yet listening)."""
    with _stack(harness_dir, tmp_path) as parts:
        yield parts


def _book(server, token, membership, day, start) -> int:
    payload = {"membership": membership.pk, "date": day.isoformat(), "start_time": start, "reason": "Back pain"}
    request = urllib.request.Request(f"{server.url}/api/v1/me/appointments/", data=json.dumps(payload).encode(),
                                     method="POST", headers={"Content-Type": "application/json",
                                                             "Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def _message_ids() -> set[str]:
    return {f"<outbox-{pk}-{created:%Y%m%d%H%M%S}@healthstack.local>"
            for pk, created in OutgoingEmail.objects.values_list("pk", "created_at")}


def test_a_mail_server_down_then_back_gets_every_email_once_and_a_killed_consumer_loses_none(
        stack, doctor_membership):
    server, start_consumer, smtp_port = stack
    doctor_membership.consultation_fee = 0
    doctor_membership.save(update_fields=["consultation_fee"])
    day = local_now(doctor_membership.hospital).date() + timedelta(days=3)
    ScheduleRuleFactory(membership=doctor_membership, weekday=day.weekday())
    tokens = [issue_api_token(user=PatientFactory())[1] for _ in range(4)]
    consumer = start_consumer()

    # The mail server refuses connections: bookings go through and their emails wait.
    for token, start in zip(tokens[:3], ("09:00", "09:15", "09:30")):
        assert _book(server, token, doctor_membership, day, start) == 201
    expected = OutgoingEmail.objects.count()
    assert expected == 6  # each booking: the patient's receipt of the request, the doctor's new booking
    _wait_for(lambda: OutgoingEmail.objects.filter(attempts__gte=2).count() == expected, "failed attempts")
    assert not OutgoingEmail.objects.exclude(status="queued").exists()
    assert "ConnectionRefusedError" in OutgoingEmail.objects.first().last_error

    # The server is back: every email arrives, once.
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    try:
        _wait_for(lambda: OutgoingEmail.objects.filter(status="sent").count() == expected, "all sent")
        time.sleep(3)  # any duplicate retry would land by now
        assert sorted(mailbox.received) == sorted(_message_ids())
        assert len(mailbox.received) == len(set(mailbox.received)) == expected

        # The consumer is killed while the server holds its connection mid-send.
        mailbox.hang.set()
        assert _book(server, tokens[3], doctor_membership, day, "09:45") == 201
        _wait_for(mailbox.hanging.is_set, "the consumer to be mid-send")
        consumer.send_signal(signal.SIGKILL)
        consumer.wait(10)
        mailbox.hang.clear()
        waiting = OutgoingEmail.objects.filter(status="queued")
        assert waiting.count() >= 1 and waiting.filter(claimed_until__isnull=False).exists()
        held_until = max(waiting.exclude(claimed_until=None).values_list("claimed_until", flat=True))
        time.sleep(max((held_until - timezone.now()).total_seconds(), 0) + 0.5)

        start_consumer()
        total = expected + 2
        _wait_for(lambda: OutgoingEmail.objects.filter(status="sent").count() == total, "the rest sent")
        time.sleep(3)
        assert len(mailbox.received) == len(set(mailbox.received)) == total
        assert sorted(mailbox.received) == sorted(_message_ids())
    finally:
        smtp.stop()
    log = server.log_tail(200_000)
    assert '" 500 ' not in log
    assert os.path.exists(REPO_ROOT / "manage.py")


def test_with_redis_url_the_queue_is_on_redis_and_the_consumer_sends_from_it(harness_dir, tmp_path, redis_url,
                                                                              doctor_membership):
    from huey import RedisHuey

    doctor_membership.consultation_fee = 0
    doctor_membership.save(update_fields=["consultation_fee"])
    day = local_now(doctor_membership.hospital).date() + timedelta(days=3)
    ScheduleRuleFactory(membership=doctor_membership, weekday=day.weekday())
    token = issue_api_token(user=PatientFactory())[1]
    with _stack(harness_dir, tmp_path, REDIS_URL=redis_url) as (server, start_consumer, smtp_port):
        mailbox = Mailbox()
        smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
        smtp.start()
        try:
            assert _book(server, token, doctor_membership, day, "10:00") == 201
            # Nothing sends before a consumer runs: the tasks wait in Redis.
            queue = RedisHuey("healthstack", url=redis_url)
            assert queue.pending_count() >= 2 and mailbox.received == []
            start_consumer()
            _wait_for(lambda: OutgoingEmail.objects.filter(status="sent").count() == 2, "both emails sent")
            assert sorted(mailbox.received) == sorted(_message_ids())
        finally:
            smtp.stop()
