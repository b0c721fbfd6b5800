"""The catalogue and stock: medicines, received batches, stock-takes, write-offs and the append-only ledger."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from pharmacy import services
from pharmacy.models import AppendOnlyError, Medicine, PharmacyError, StockBatch, StockMovement
from pharmacy.selectors import assert_ledger_balanced, ledger_imbalances
from pharmacy.tests.conftest import TODAY, moves
from pharmacy.tests.factories import MedicineFactory

pytestmark = pytest.mark.django_db


def _create(hospital, pharmacist, **overrides):
    values = {"generic_name": "Omeprazole", "brand_name": "Seclo", "strength": "20 mg", "dosage_form": "capsule",
              "unit": "capsule", "pack": "strip of 10", "unit_price": "5.00", "reorder_level": 30}
    return services.create_medicine(hospital=hospital, by=pharmacist, **(values | overrides))


def test_create_medicine_saves_the_catalogue_entry(hospital, pharmacist):
    medicine = _create(hospital, pharmacist, prescription_only=True)

    assert (medicine.generic_name, medicine.brand_name, medicine.unit_price, medicine.prescription_only) == (
        "Omeprazole", "Seclo", Decimal("5.00"), True)
    assert medicine.active and medicine.hospital == hospital


@pytest.mark.parametrize(("overrides", "field"), [
    ({"generic_name": "  "}, "generic_name"),
    ({"dosage_form": "powder"}, "dosage_form"),
    ({"unit": ""}, "unit"),
    ({"unit_price": "-1"}, "unit_price"),
    ({"unit_price": "1.005"}, "unit_price"),
    ({"unit_price": "ten"}, "unit_price"),
    ({"reorder_level": -3}, "reorder_level"),
    ({"reorder_level": 2.5}, "reorder_level"),
    ({"prescription_only": "yes"}, "prescription_only"),
])
def test_create_medicine_refuses_bad_input_beside_the_field(hospital, pharmacist, overrides, field):
    with pytest.raises(PharmacyError) as error:
        _create(hospital, pharmacist, **overrides)

    assert error.value.field == field and str(error.value)
    assert not Medicine.objects.exists()


def test_the_same_medicine_twice_is_refused_ignoring_case_but_another_hospital_may_have_it(
        hospital, other_hospital, pharmacist):
    _create(hospital, pharmacist)

    with pytest.raises(PharmacyError, match="already in the catalogue") as error:
        _create(hospital, pharmacist, generic_name="OMEPRAZOLE", brand_name="seclo")
    assert error.value.field == "generic_name"
    _create(other_hospital, pharmacist)
    _create(hospital, pharmacist, strength="40 mg")
    assert Medicine.objects.count() == 3


def test_update_and_deactivate_medicine(hospital, pharmacist):
    medicine = _create(hospital, pharmacist)

    services.update_medicine(medicine=medicine, by=pharmacist, unit_price="6.50", reorder_level=10)
    services.deactivate_medicine(medicine=medicine, by=pharmacist)

    medicine.refresh_from_db()
    assert (medicine.unit_price, medicine.reorder_level, medicine.active) == (Decimal("6.50"), 10, False)
    with pytest.raises(PharmacyError) as error:
        services.update_medicine(medicine=medicine, by=pharmacist, unit_price="-2")
    assert error.value.field == "unit_price"


def test_receive_stock_records_a_received_movement(medicine, pharmacist):
    batch = services.receive_stock(medicine=medicine, by=pharmacist, batch_number="NP-2401",
                                   expiry_date=TODAY + timedelta(days=300), quantity=200, cost="0.80",
                                   supplier="Beximco")

    assert (batch.quantity_received, batch.quantity_on_hand, batch.quantity_reserved) == (200, 200, 0)
    assert moves(batch) == [("received", 200, 0)]
    assert batch.movements.get().by == pharmacist
    assert_ledger_balanced()


@pytest.mark.parametrize(("change", "field"), [
    ({"expiry_date": TODAY}, "expiry_date"),
    ({"expiry_date": TODAY - timedelta(days=30)}, "expiry_date"),
    ({"expiry_date": "2027-01-01"}, "expiry_date"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": -5}, "quantity"),
    ({"quantity": 1.5}, "quantity"),
    ({"quantity": "2.5"}, "quantity"),
    ({"quantity": "many"}, "quantity"),
    ({"quantity": True}, "quantity"),
    ({"quantity": 10**12}, "quantity"),
    ({"cost": "-0.01"}, "cost"),
    ({"cost": "NaN"}, "cost"),
    ({"batch_number": ""}, "batch_number"),
])
def test_receive_stock_refuses_bad_input(medicine, pharmacist, change, field):
    values = {"batch_number": "NP-1", "expiry_date": TODAY + timedelta(days=90), "quantity": 10, "cost": "1.00"}

    with pytest.raises(PharmacyError) as error:
        services.receive_stock(medicine=medicine, by=pharmacist, **(values | change))

    assert error.value.field == field
    assert not StockBatch.objects.exists() and not StockMovement.objects.exists()


def test_a_batch_number_is_received_once_per_medicine(medicine, pharmacist, receive, hospital):
    receive(medicine, 10, batch_number="NP-1")

    with pytest.raises(PharmacyError, match="already received") as error:
        receive(medicine, 10, batch_number="np-1")
    assert error.value.field == "batch_number"
    receive(MedicineFactory(hospital=hospital), 10, batch_number="NP-1")


def test_stock_take_adjusts_up_and_down_with_a_reason(medicine, pharmacist, receive):
    batch = receive(medicine, 50)

    services.adjust_stock(batch=batch, by=pharmacist, counted=47, reason="Stock-take: 3 strips damaged")
    assert_ledger_balanced()
    services.adjust_stock(batch=batch, by=pharmacist, counted=48, reason="Found one behind the shelf")
    assert_ledger_balanced()

    batch.refresh_from_db()
    assert batch.quantity_on_hand == 48
    assert moves(batch) == [("received", 50, 0), ("adjusted", -3, 0), ("adjusted", 1, 0)]


@pytest.mark.parametrize(("counted", "reason", "field"), [
    (-1, "Counted", "counted"),
    (3.5, "Counted", "counted"),
    (40, "", "reason"),
    (50, "Counted", "counted"),
])
def test_stock_take_refuses_bad_counts(medicine, pharmacist, receive, counted, reason, field):
    batch = receive(medicine, 50)

    with pytest.raises(PharmacyError) as error:
        services.adjust_stock(batch=batch, by=pharmacist, counted=counted, reason=reason)

    assert error.value.field == field
    batch.refresh_from_db()
    assert batch.quantity_on_hand == 50
    assert_ledger_balanced()


def test_stock_take_cannot_go_below_what_orders_have_reserved(medicine, pharmacist, receive, order_for):
    batch = receive(medicine, 10)
    order_for(medicine, 6)

    with pytest.raises(PharmacyError, match="6 units of this batch are reserved"):
        services.adjust_stock(batch=batch, by=pharmacist, counted=5, reason="Stock-take")
    services.adjust_stock(batch=batch, by=pharmacist, counted=6, reason="Stock-take")

    batch.refresh_from_db()
    assert (batch.quantity_on_hand, batch.quantity_reserved) == (6, 6)
    assert_ledger_balanced()


def test_write_off_takes_the_free_units_of_expired_batches_only(medicine, hospital, pharmacist, receive,
                                                                expired_batch):
    old = expired_batch(medicine, 30)
    fresh = receive(medicine, 40)

    with pytest.raises(PharmacyError, match="Only an expired batch"):
        services.write_off_expired(hospital=hospital, by=pharmacist, batch=fresh)
    written = services.write_off_expired(hospital=hospital, by=pharmacist)
    assert_ledger_balanced()

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert [m.batch_id for m in written] == [old.pk]
    assert (old.quantity_on_hand, fresh.quantity_on_hand) == (0, 40)
    assert moves(old)[-1] == ("written_off", -30, 0)
    assert services.write_off_expired(hospital=hospital, by=pharmacist) == []


def test_the_ledger_is_append_only(medicine, receive):
    receive(medicine, 5)
    movement = StockMovement.objects.get()

    with pytest.raises(AppendOnlyError):
        StockMovement.objects.update(quantity=500)
    with pytest.raises(AppendOnlyError):
        StockMovement.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        movement.delete()
    movement.quantity = 500
    with pytest.raises(AppendOnlyError):
        movement.save()
    assert StockMovement.objects.get().quantity == 5


def test_the_database_refuses_negative_stock_and_reservations_above_it(medicine, receive):
    batch = receive(medicine, 5)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockBatch.objects.filter(pk=batch.pk).update(quantity_on_hand=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBatch.objects.filter(pk=batch.pk).update(quantity_reserved=6)


def test_the_balance_check_names_a_batch_changed_behind_the_ledger(medicine, receive):
    batch = receive(medicine, 5)
    StockBatch.objects.filter(pk=batch.pk).update(quantity_on_hand=4)

    assert ledger_imbalances() == [(batch.pk, 4, 5, 0, 0)]
    with pytest.raises(AssertionError, match="out of balance"):
        assert_ledger_balanced()
    StockBatch.objects.filter(pk=batch.pk).update(quantity_on_hand=5)  # so the end-of-test check passes
