"""One sweep expires every payable whose hold ran out: appointments, lab orders and medicine orders alike."""

from datetime import UTC, datetime, timedelta

import pytest

from payments import lifecycle, payables
from payments.tests.kinds import KINDS
from pharmacy.models import StockBatch

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)


@pytest.fixture
def held(patient, hospital, settings):
    """``held(now)``: one payable of every kind checked out at ``now``, by kind."""
    settings.PAYMENT_HOLD_MINUTES = 15

    def make(now):
        return {kind: make_one(patient, hospital, now) for kind, make_one in KINDS.items()}

    return make


def _statuses(made: dict) -> dict:
    for payable in made.values():
        payable.refresh_from_db()
    return {kind: payable.status for kind, payable in made.items()}


def test_the_sweep_expires_stale_holds_of_every_kind_once_and_leaves_fresh_ones(held):
    stale = held(NOW)
    fresh = held(NOW + timedelta(minutes=10))

    assert lifecycle.expire_stale_holds(now=NOW + timedelta(minutes=14)) == 0
    assert lifecycle.expire_stale_holds(now=NOW + timedelta(minutes=15), batch=1) == 3
    assert lifecycle.expire_stale_holds(now=NOW + timedelta(minutes=16)) == 0

    assert _statuses(stale) == dict.fromkeys(KINDS, "expired")
    assert _statuses(fresh) == dict.fromkeys(KINDS, "awaiting_payment")
    stale_batch = StockBatch.objects.get(medicine__order_lines__order=stale["medicine_order"])
    fresh_batch = StockBatch.objects.get(medicine__order_lines__order=fresh["medicine_order"])
    assert (stale_batch.quantity_reserved, fresh_batch.quantity_reserved) == (0, 2)  # the domain's own rule ran


def test_a_payable_that_fails_to_expire_does_not_stop_the_others(held, monkeypatch):
    first, second = held(NOW), held(NOW)
    kind, stale, expire = next(entry for entry in payables.expiring_kinds() if entry[0] == "lab_order")

    def broken(payable, now):
        if payable.pk == first["lab_order"].pk:
            raise RuntimeError("the lab's database hiccupped")
        return expire(payable, now)

    monkeypatch.setitem(payables._EXPIRY, "lab_order", (stale, broken))
    assert lifecycle.expire_stale_holds(now=NOW + timedelta(hours=1), batch=1) == 5

    assert _statuses(first) == {"appointment": "expired", "lab_order": "awaiting_payment", "medicine_order": "expired"}
    assert _statuses(second) == dict.fromkeys(KINDS, "expired")
    monkeypatch.setitem(payables._EXPIRY, "lab_order", (stale, expire))
    assert lifecycle.expire_stale_holds(now=NOW + timedelta(hours=1)) == 1


def test_every_payable_kind_registers_its_expiry():
    assert [kind for kind, _stale, _expire in payables.expiring_kinds()] == sorted(KINDS)
