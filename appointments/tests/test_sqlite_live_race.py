"""Twenty patients booking one slot at once through the API of a live Daphne server on the
default SQLite file database (as ``make run`` serves it): one booking, nineteen clear
"slot taken" answers, no server error."""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from accounts.services import issue_api_token
from accounts.tests.factories import PatientFactory
from appointments.models import Appointment
from appointments.services import SLOT_TAKEN

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 20


def _post_json(url: str, token: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Token {token}",
    })
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body or b"{}")
        except ValueError:
            return error.code, {"raw": body[:200].decode(errors="replace")}


def test_twenty_patients_racing_for_one_slot_on_sqlite_get_one_booking_and_no_server_error(
        live_server_url, doctor_membership, booking_day):
    if not connection.vendor == "sqlite":
        pytest.skip("the PostgreSQL race is tested in test_concurrency.py")
    doctor_membership.consultation_fee = 0
    doctor_membership.save(update_fields=["consultation_fee"])
    tokens = [issue_api_token(user=PatientFactory())[1] for _ in range(RACERS)]
    payload = {"membership": doctor_membership.pk, "date": booking_day.isoformat(), "start_time": "10:00",
               "reason": "Fever for three days"}
    start_together = Barrier(RACERS)

    def book(token):
        start_together.wait()
        return _post_json(f"{live_server_url}/api/v1/me/appointments/", token, payload)

    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(pool.map(book, tokens))

    statuses = sorted(status for status, _ in answers)
    assert statuses.count(201) == 1, answers
    refused = [body for status, body in answers if status != 201]
    assert [status for status, _ in answers if status != 201] == [400] * (RACERS - 1), answers
    assert all(body.get("non_field_errors") == [SLOT_TAKEN] for body in refused), refused
    assert Appointment.objects.filter(membership=doctor_membership, date=booking_day).count() == 1
