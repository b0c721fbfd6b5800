"""Fixtures for the pharmacy tests: a frozen clock, medicines with stock, issued prescriptions, orders.

Every service call is followed by ``assert_ledger_balanced()`` in the tests; the ``ledger``
fixture also checks it once more when each test ends.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pharmacy import services
from pharmacy.selectors import assert_ledger_balanced
from pharmacy.tests.factories import MedicineFactory
from records import services as records_services
from records.models import Prescription

DHAKA = ZoneInfo("Asia/Dhaka")
# A Tuesday morning in Dhaka; nothing below depends on the weekday or the hour.
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=DHAKA)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def clock(request):
    if "live_server_url" in request.fixturenames:
        yield None  # the live server runs on its own clock
        return
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def ledger(request):
    """Check the stock ledger balances when a test on the rolled-back test database ends.

    Tests on a transactional database (threads, the live server) check it themselves: theirs is
    flushed before this fixture's end.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server_url"} & set(request.fixturenames))
    if transactional or (marker is None and "db" not in request.fixturenames):
        yield
        return
    request.getfixturevalue("db")  # set up first, so it is torn down after the check below
    yield
    assert_ledger_balanced()


@pytest.fixture
def medicine(hospital):
    return MedicineFactory(hospital=hospital, generic_name="Paracetamol", brand_name="Napa", strength="500 mg",
                           unit_price=Decimal("12.00"), reorder_level=20)


@pytest.fixture
def receive(pharmacist):
    """``receive(medicine, quantity, expires_in_days=365, batch_number=None, cost="1.00")``: a received batch."""
    counter = iter(range(1, 10_000))

    def make(medicine, quantity, *, expires_in_days=365, batch_number=None, cost="1.00"):
        batch = services.receive_stock(
            medicine=medicine, by=pharmacist, batch_number=batch_number or f"B{next(counter):04d}",
            expiry_date=TODAY + timedelta(days=expires_in_days), quantity=quantity, cost=cost,
        )
        assert_ledger_balanced()
        return batch

    return make


@pytest.fixture
def expired_batch(pharmacist):
    """``expired_batch(medicine, quantity)``: a batch received last year that expired yesterday."""

    def make(medicine, quantity, *, batch_number="OLD1", cost="1.00"):
        received = NOW - timedelta(days=400)
        with time_machine.travel(received, tick=False):
            batch = services.receive_stock(medicine=medicine, by=pharmacist, batch_number=batch_number,
                                           expiry_date=TODAY - timedelta(days=1), quantity=quantity, cost=cost,
                                           now=received)
        assert_ledger_balanced()
        return batch

    return make


@pytest.fixture
def issued_prescription(doctor_membership):
    """``issued_prescription(patient, items)``: an issued prescription by ``doctor`` at ``hospital``."""

    def make(patient, items):
        prescription = Prescription.objects.create(hospital=doctor_membership.hospital, membership=doctor_membership,
                                                   patient=patient, diagnosis="Fever")
        for position, values in enumerate(items):
            prescription.items.create(hospital=doctor_membership.hospital, position=position,
                                      **{"dose": "1 tablet", "frequency": "1+0+1", "duration": "7 days", **values})
        return records_services.issue_prescription(prescription=prescription, by=doctor_membership.user)

    return make


@pytest.fixture
def order_for(patient):
    """``order_for(medicine, quantity, patient=patient)``: a checked-out order awaiting payment."""

    def make(medicine, quantity, *, who=None, **checkout):
        who = who or patient
        services.add_to_cart(patient=who, medicine=medicine, quantity=quantity)
        cart = services.open_cart(patient=who, hospital=medicine.hospital)
        order = services.checkout(patient=who, order=cart, **checkout)
        assert_ledger_balanced()
        return order

    return make


@pytest.fixture
def paid_order(order_for):
    def make(medicine, quantity, **kwargs):
        order = order_for(medicine, quantity, **kwargs)
        order = services.mark_order_paid(order=order, by=order.patient, reason="Paid in the test.")
        assert_ledger_balanced()
        return order

    return make


def moves(batch) -> list[tuple[str, int, int]]:
    """(kind, on-hand change, reserved change) of a batch's ledger, oldest first."""
    return list(batch.movements.order_by("pk").values_list("kind", "quantity", "reserved_change"))


__all__ = ["NOW", "TODAY", "date", "moves"]
