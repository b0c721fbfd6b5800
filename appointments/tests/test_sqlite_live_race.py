"""Twenty patients booking one slot at once through the API of a live Daphne server on the
default SQLite file database (as ``make run`` serves it): one booking, nineteen clear
"slot taken" answers, no server error."""

import pytest
from django.db import connection

from accounts.services import issue_api_token
from accounts.tests.factories import PatientFactory
from appointments.models import Appointment
from appointments.services import SLOT_TAKEN
from tests.load import race_for_one_slot

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 20


def test_twenty_patients_racing_for_one_slot_on_sqlite_get_one_booking_and_no_server_error(
        live_server_url, doctor_membership, booking_day):
    if not connection.vendor == "sqlite":
        pytest.skip("the PostgreSQL race is tested in test_concurrency.py")
    doctor_membership.consultation_fee = 0
    doctor_membership.save(update_fields=["consultation_fee"])
    tokens = [issue_api_token(user=PatientFactory())[1] for _ in range(RACERS)]
    payload = {"membership": doctor_membership.pk, "date": booking_day.isoformat(), "start_time": "10:00",
               "reason": "Fever for three days"}

    answers = [(status, body) for status, body, _ in race_for_one_slot(live_server_url, tokens, payload)]

    statuses = sorted(status for status, _ in answers)
    assert statuses.count(201) == 1, answers
    refused = [body for status, body in answers if status != 201]
    assert [status for status, _ in answers if status != 201] == [400] * (RACERS - 1), answers
    assert all(body.get("non_field_errors") == [SLOT_TAKEN] for body in refused), refused
    assert Appointment.objects.filter(membership=doctor_membership, date=booking_day).count() == 1
