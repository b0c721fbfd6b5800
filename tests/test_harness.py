"""The harness itself: health check, settings parsing, factories, PostgreSQL."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.db import IntegrityError, connection, transaction

from hospitals.models import Membership
from hospitals.tests.factories import MembershipFactory
from tests.harness import REPO_ROOT, database_url


def test_healthz_reports_ok(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["state"] == "ok"
    assert {body[part]["state"] for part in ("cache", "channel_layer", "task_queue")} == {"ok"}


def _settings_in_subprocess(expression: str, **env) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c",
         f"import django; django.setup(); from django.conf import settings; print(repr({expression}))"],
        cwd=REPO_ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(("raw", "expected"), [("False", "False"), ("0", "False"), ("True", "True")])
def test_settings_debug_parses_booleans(raw, expected):
    assert _settings_in_subprocess("settings.DEBUG", DJANGO_DEBUG=raw, DJANGO_DEBUG_TOOLBAR="0",
                                   DJANGO_SECRET_KEY="harness-secret-key-of-fifty-or-more-characters-0123456789",
                                   SSLCOMMERZ_MODE="sandbox") == expected


def test_settings_configure_argon2_first():
    # Read settings.py itself: the test run swaps in a fast hasher.
    import config.settings as configured

    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_test_run_uses_fast_hasher_and_private_temp_media(settings, tmp_path_factory):
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    base = str(tmp_path_factory.getbasetemp())
    assert str(settings.MEDIA_ROOT).startswith(base)
    assert str(settings.PRIVATE_MEDIA_ROOT).startswith(base)
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


def test_axes_stays_enabled(settings):
    assert settings.AXES_ENABLED is True


def test_sqlite_test_database_is_a_file_of_this_run(db, tmp_path_factory):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite pass only")
    name = str(connection.settings_dict["NAME"])
    assert name.startswith(str(tmp_path_factory.getbasetemp()))
    assert database_url(connection.settings_dict) == f"sqlite:///{name}"


def test_shared_fixtures_build_one_hospital_staff(
    hospital, department, doctor, doctor_membership, hospital_admin, receptionist, lab_worker, pharmacist, patient
):
    assert doctor.doctor_profile.registration_number
    assert doctor_membership.department.hospital == hospital
    assert doctor_membership.consultation_fee == doctor_membership.consultation_fee.__class__("500.00")
    roles = set(Membership.objects.for_hospital(hospital).approved().values_list("role", flat=True))
    assert roles == {"admin", "doctor", "receptionist", "lab_worker", "pharmacist"}
    assert patient.patient_profile.patient_number
    assert not patient.is_doctor and not receptionist.is_patient
    assert patient.check_password("pass-Word-123")


def test_client_for_signs_the_user_in(client_for, patient):
    client = client_for(patient)

    assert int(client.session["_auth_user_id"]) == patient.pk


def test_membership_factory_keeps_department_in_the_same_hospital(db):
    membership = MembershipFactory(role="doctor")

    assert membership.department.hospital_id == membership.hospital_id
    assert membership.user.is_doctor


@pytest.mark.postgres
def test_postgres_membership_role_is_unique_per_hospital(doctor_membership):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 15

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=doctor_membership.user,
            hospital=doctor_membership.hospital,
            role=Membership.Role.DOCTOR,
            department=doctor_membership.department,
        )
    assert Membership.objects.filter(user=doctor_membership.user).count() == 1


@pytest.mark.postgres
def test_postgres_healthz_through_the_database(client, db):
    assert connection.vendor == "postgresql"
    assert json.loads(client.get("/healthz").content)["database"] == {"state": "ok", "engine": "postgresql"}


def test_the_task_queue_is_a_file_beside_the_database_by_default_and_redis_with_redis_url(tmp_path):
    database = tmp_path / "site.sqlite3"
    assert _settings_in_subprocess("(settings.HUEY['huey_class'], settings.HUEY['filename'])",
                                   DATABASE_URL=f"sqlite:///{database}", REDIS_URL="", HUEY_DATABASE="",
                                   DJANGO_DEBUG_TOOLBAR="0") == repr(("huey.SqliteHuey", str(tmp_path / "tasks.sqlite3")))
    assert _settings_in_subprocess("(settings.HUEY['huey_class'], settings.HUEY['url'])",
                                   REDIS_URL="redis://127.0.0.1:6399/2", DJANGO_DEBUG_TOOLBAR="0") == repr(
        ("huey.RedisHuey", "redis://127.0.0.1:6399/2"))


def _collected(*args) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode in (0, 5), result.stdout + result.stderr  # 5: nothing collected
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_e2e_marker_selects_the_browser_journeys_and_deselects_them():
    journeys = _collected("-m", "e2e", "tests/e2e/test_smoke.py", "tests/e2e/test_records_journey.py")

    assert journeys and all(node.startswith("tests/e2e/") for node in journeys)
    assert _collected("-m", "not e2e", "tests/e2e/test_smoke.py", "tests/e2e/test_records_journey.py") == []


FIXED_WAIT = re.compile(r"wait_for_timeout\(|time\.sleep\(|\btimeout\s*=|setTimeout\([^)]*,\s*\d+\s*\)")


def test_browser_journeys_wait_for_what_a_person_sees_never_a_fixed_time():
    # A busy machine stalls pages for seconds: journeys wait on states, with the one BROWSER_TIMEOUT_MS.
    journeys = sorted((REPO_ROOT / "tests" / "e2e").glob("*.py"))
    offenders = [f"{path.name}:{number}: {line.strip()}" for path in journeys
                 for number, line in enumerate(path.read_text().splitlines(), 1) if FIXED_WAIT.search(line)]

    assert journeys and offenders == []
