"""/healthz tells the truth: each part's state, 503 only when the database is gone, "degraded" otherwise.

And the faults it reports are survived: with REDIS_URL set and Redis stopped, pages, bookings and
emails keep working (no 500); the consumer's heartbeat shows whether background work runs.
"""

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from datetime import time as clock
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from huey.contrib.djhuey import HUEY

from healthstack import health
from tests.harness import LiveServer, database_url, free_port


@pytest.mark.django_db
def test_a_task_queue_without_a_live_consumer_is_reported_degraded(client, monkeypatch):
    monkeypatch.setattr(type(HUEY), "immediate", property(lambda self: False))
    from healthstack import tasks

    monkeypatch.setattr(tasks, "last_heartbeat", lambda: None)
    monkeypatch.setattr(HUEY, "pending_count", lambda: 3)
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["task_queue"] == {"state": "no consumer", "pending": 3, "last_heartbeat_seconds_ago": None,
                                  "storage": type(HUEY.storage).__name__}

    monkeypatch.setattr(tasks, "last_heartbeat", lambda: time.time() - 30)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["task_queue"]["state"] == "ok"
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_a_database_that_does_not_answer_gives_503(client, monkeypatch):
    monkeypatch.setattr(health, "_database", lambda: {"state": "down", "error": "OperationalError"})
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "error"


def _redis(port: int, directory) -> subprocess.Popen:
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(directory)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("redis-server did not start")


def _get(url: str, *, token: str = "", cookie: str = "") -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={
        **({"Authorization": f"Token {token}"} if token else {}), **({"Cookie": cookie} if cookie else {})})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_pages_and_bookings_work_and_health_says_degraded(harness_dir, patient,
                                                                             doctor_membership):
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    from accounts.services import issue_api_token
    from appointments.slots import local_now
    from appointments.tests.factories import ScheduleRuleFactory

    port = free_port()
    redis = _redis(port, harness_dir)
    server = LiveServer(
        database_url=database_url(connection.settings_dict), media_root=harness_dir / "media",
        private_media_root=harness_dir / "private_media", mail_dir=harness_dir / "mail-redis-down",
        log_path=harness_dir / "daphne-redis-down.log", secret_key=settings.SECRET_KEY,
        extra_env={"REDIS_URL": f"redis://127.0.0.1:{port}/0", "HUEY_IMMEDIATE": "0"},
    ).start()
    try:
        status, body = _get(server.url + "/healthz")
        assert status == 200 and json.loads(body)["cache"]["state"] == "ok"
        redis.terminate()
        redis.wait(10)

        status, body = _get(server.url + "/healthz")
        report = json.loads(body)
        assert status == 200 and report["status"] == "degraded"
        assert report["database"]["state"] == "ok"
        assert {report[part]["state"] for part in ("cache", "channel_layer", "task_queue")} == {"down"}

        day = local_now(doctor_membership.hospital).date() + timedelta(days=3)
        ScheduleRuleFactory(membership=doctor_membership, weekday=day.weekday())
        doctor_membership.consultation_fee = 0
        doctor_membership.save(update_fields=["consultation_fee"])
        token = issue_api_token(user=patient)[1]
        payload = json.dumps({"membership": doctor_membership.pk, "date": day.isoformat(),
                              "start_time": clock(9, 0).strftime("%H:%M"), "reason": "Cough for a week"}).encode()
        request = urllib.request.Request(server.url + "/api/v1/me/appointments/", data=payload, method="POST",
                                         headers={"Authorization": f"Token {token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201

        client = Client()
        client.force_login(patient)
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        for path in ("/", "/hospitals/", "/me/appointments/", "/notifications/", "/dashboard/"):
            status, _ = _get(server.url + path, cookie=cookie)
            assert status == 200, path
        # The booking's emails wait in the outbox for the queue to come back.
        from healthstack.models import OutgoingEmail

        assert OutgoingEmail.objects.filter(to=patient.email, status="queued").exists()
    finally:
        server.stop()
        if redis.poll() is None:
            redis.kill()
    log = server.log_tail(200_000)
    assert '" 500 ' not in log and "Internal Server Error" not in log
