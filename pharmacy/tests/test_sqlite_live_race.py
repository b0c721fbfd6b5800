"""Twenty patients checking out the last five units of a medicine at once, through the API of a live
Daphne server on the default SQLite file database (as ``make run`` serves it): exactly five units
sold between them, a clear "out of stock" answer for everyone else, no server error, and the stock
ledger balanced."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from threading import Barrier

import pytest
from django.db import connection

from accounts.services import issue_api_token
from accounts.tests.factories import PatientFactory
from pharmacy import services
from pharmacy.models import MedicineOrder, StockMovement
from pharmacy.selectors import assert_ledger_balanced
from pharmacy.tests.factories import MedicineFactory
from tests.load import post_json

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 20
LAST_UNITS = 5


def race(base_url: str, tokens: list[str], payload: dict) -> list[tuple[int, dict, float]]:
    """Every token places ``payload`` at the same instant; [(status, body, seconds)] in token order."""
    start_together = Barrier(len(tokens))

    def place(token):
        start_together.wait()
        started = time.perf_counter()
        status, body = post_json(f"{base_url}/api/v1/me/medicine-orders/", token, payload)
        return status, body, time.perf_counter() - started

    with ThreadPoolExecutor(len(tokens)) as pool:
        return list(pool.map(place, tokens))


def test_twenty_patients_racing_for_the_last_five_units_on_sqlite_buy_exactly_five(live_server_url, hospital,
                                                                                   pharmacist):
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL race with threads is in test_concurrency.py")
    medicine = MedicineFactory(hospital=hospital, generic_name="Insulin glargine", brand_name="Lantus",
                               strength="100 IU/ml", unit_price=Decimal("950.00"))
    services.receive_stock(medicine=medicine, by=pharmacist, batch_number="LAST5", quantity=LAST_UNITS, cost="700",
                           expiry_date=date.today() + timedelta(days=365))
    tokens = [issue_api_token(user=PatientFactory())[1] for _ in range(RACERS)]
    payload = {"hospital": hospital.slug, "items": [{"medicine": medicine.pk, "quantity": 1}]}

    answers = race(live_server_url, tokens, payload)

    statuses = [status for status, _, _ in answers]
    assert statuses.count(201) == LAST_UNITS, answers
    assert sorted(set(statuses)) == [201, 400], answers
    refused = [body for status, body, _ in answers if status == 400]
    assert all(body == {"items": [{"quantity": ["Insulin glargine (Lantus) 100 IU/ml is out of stock."]}]}
               for body in refused), refused
    batch = medicine.batches.get()
    assert (batch.quantity_on_hand, batch.quantity_reserved) == (LAST_UNITS, LAST_UNITS)
    assert MedicineOrder.objects.filter(status=MedicineOrder.Status.AWAITING_PAYMENT).count() == LAST_UNITS
    assert StockMovement.objects.filter(kind=StockMovement.Kind.RESERVED).count() == LAST_UNITS
    assert_ledger_balanced()
    slowest = max(seconds for _, _, seconds in answers)
    print(f"SQLite live race: {RACERS} patients, {LAST_UNITS} units: {statuses.count(201)} sold, "
          f"{statuses.count(400)} refused, slowest answer {slowest:.2f} s")
