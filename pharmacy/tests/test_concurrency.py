"""Never oversold, on PostgreSQL with real threads: twenty patients checking out the last five units."""

import pytest

from accounts.tests.factories import PatientFactory
from healthstack.testing import in_threads
from pharmacy import services
from pharmacy.models import MedicineOrder, StockBatch
from pharmacy.selectors import assert_ledger_balanced

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_patients_checking_out_the_last_five_units_get_exactly_five(medicine, receive):
    # Two batches, so the race also crosses batch boundaries: 2 expiring sooner, 3 later.
    soon = receive(medicine, 2, expires_in_days=60)
    late = receive(medicine, 3, expires_in_days=200)
    patients = [PatientFactory() for _ in range(20)]
    carts = []
    for i, patient in enumerate(patients):
        services.add_to_cart(patient=patient, medicine=medicine, quantity=1 if i % 2 else 2)
        carts.append(services.open_cart(patient=patient, hospital=medicine.hospital))

    results = in_threads(20, lambda i: services.checkout(patient=patients[i], order=carts[i]))

    won = [value for outcome, value in results if outcome == "ok"]
    lost = [value for outcome, value in results if outcome == "error"]
    assert all(isinstance(error, services.StockShortage) for error in lost), lost
    assert all("left of" in str(error) or "out of stock" in str(error) for error in lost)
    reserved = sum(order.lines.get().quantity for order in won)
    assert reserved <= 5
    soon.refresh_from_db()
    late.refresh_from_db()
    assert soon.quantity_reserved + late.quantity_reserved == reserved
    assert (soon.quantity_on_hand, late.quantity_on_hand) == (2, 3)
    assert MedicineOrder.objects.filter(status="awaiting_payment").count() == len(won)
    # Each refusal named what was left when that patient's turn came, and it was less than they asked for.
    assert all(error.shortages[0].available < error.shortages[0].wanted for error in lost)
    assert sum(b.quantity_available for b in StockBatch.objects.all()) == 5 - reserved
    assert_ledger_balanced()


def test_twenty_single_units_race_sells_exactly_five(medicine, receive):
    receive(medicine, 5)
    patients = [PatientFactory() for _ in range(20)]
    for patient in patients:
        services.add_to_cart(patient=patient, medicine=medicine, quantity=1)
    carts = [services.open_cart(patient=p, hospital=medicine.hospital) for p in patients]

    results = in_threads(20, lambda i: services.checkout(patient=patients[i], order=carts[i]))

    outcomes = [outcome for outcome, _ in results]
    assert outcomes.count("ok") == 5 and outcomes.count("error") == 15, results
    assert {str(error) for outcome, error in results if outcome == "error"} == {
        "Paracetamol (Napa) 500 mg is out of stock."}
    assert StockBatch.objects.get().quantity_reserved == 5
    assert_ledger_balanced()
