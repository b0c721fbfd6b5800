"""Carts: one per patient per hospital, whole quantities, prescription-only medicines, and what changed since adding."""

from decimal import Decimal

import pytest

from accounts.tests.factories import PatientFactory
from pharmacy import services
from pharmacy.models import Medicine, MedicineOrder, PharmacyError
from pharmacy.selectors import assert_ledger_balanced
from pharmacy.services import PrescriptionRequired, prescribed_quantity
from pharmacy.tests.factories import MedicineFactory
from records.models import PrescriptionItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def seclo(hospital):
    """A prescription-only capsule."""
    return MedicineFactory(hospital=hospital, generic_name="Omeprazole", brand_name="Seclo", strength="20 mg",
                           dosage_form="capsule", unit="capsule", unit_price=Decimal("5.00"), prescription_only=True)


def test_adding_twice_keeps_one_cart_per_hospital_and_sums_the_line(patient, medicine, other_hospital):
    services.add_to_cart(patient=patient, medicine=medicine, quantity=2)
    line = services.add_to_cart(patient=patient, medicine=medicine, quantity="3")
    elsewhere = MedicineFactory(hospital=other_hospital)
    services.add_to_cart(patient=patient, medicine=elsewhere, quantity=1)

    assert line.quantity == 5 and line.unit_price == Decimal("12.00")
    carts = MedicineOrder.objects.carts().filter(patient=patient)
    assert sorted(c.hospital_id for c in carts) == sorted([medicine.hospital_id, other_hospital.pk])
    assert carts.get(hospital=medicine.hospital).status_changes.get().to_status == "cart"


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2.5", "", "ten", None, True, 1001, 10**9])
def test_bad_quantities_are_refused_beside_the_field(patient, medicine, quantity):
    with pytest.raises(PharmacyError) as error:
        services.add_to_cart(patient=patient, medicine=medicine, quantity=quantity)

    assert error.value.field == "quantity"
    assert not MedicineOrder.objects.filter(lines__isnull=False).exists()


def test_a_line_cannot_pass_a_thousand(patient, medicine):
    services.add_to_cart(patient=patient, medicine=medicine, quantity=1000)

    with pytest.raises(PharmacyError, match="At most 1000"):
        services.add_to_cart(patient=patient, medicine=medicine, quantity=1)


def test_deactivated_medicine_cannot_be_added_and_staff_cannot_shop(patient, medicine, pharmacist):
    services.deactivate_medicine(medicine=medicine, by=pharmacist)

    with pytest.raises(PharmacyError, match="not sold here") as error:
        services.add_to_cart(patient=patient, medicine=medicine, quantity=1)
    assert error.value.field == "medicine"
    with pytest.raises(PharmacyError, match="Only patients"):
        services.add_to_cart(patient=pharmacist, medicine=MedicineFactory(hospital=medicine.hospital), quantity=1)


def test_set_quantity_and_remove_only_in_ones_own_cart(patient, medicine):
    line = services.add_to_cart(patient=patient, medicine=medicine, quantity=2)
    stranger = PatientFactory()

    with pytest.raises(PharmacyError, match="No such item"):
        services.set_quantity(patient=stranger, line=line, quantity=5)
    services.set_quantity(patient=patient, line=line, quantity=7)
    line.refresh_from_db()
    assert line.quantity == 7
    with pytest.raises(PharmacyError) as error:
        services.set_quantity(patient=patient, line=line, quantity=0)
    assert error.value.field == "quantity"

    cart = services.remove_from_cart(patient=patient, line=line)
    assert not cart.lines.exists()


def test_prescription_only_needs_the_patients_issued_prescription(patient, seclo, issued_prescription):
    with pytest.raises(PrescriptionRequired, match="sold only on prescription") as error:
        services.add_to_cart(patient=patient, medicine=seclo, quantity=1)
    assert error.value.field == "prescription"

    someone_else = issued_prescription(PatientFactory(), [{"medicine_name": "Omeprazole", "strength": "20 mg"}])
    with pytest.raises(PharmacyError, match="No such prescription") as error:
        services.add_to_cart(patient=patient, medicine=seclo, quantity=1, prescription=someone_else)
    assert error.value.field == "prescription"
    with pytest.raises(PrescriptionRequired):  # another patient's prescription is never found for this one
        services.add_to_cart(patient=patient, medicine=seclo, quantity=1)

    own = issued_prescription(patient, [{"medicine_name": "omeprazole", "strength": "20mg"}])  # 1+0+1 for 7 days
    line = services.add_to_cart(patient=patient, medicine=seclo, quantity=14)
    assert line.prescription_item.prescription == own
    assert line.order.prescription == own


def test_prescription_only_at_most_the_prescribed_quantity(patient, seclo, issued_prescription):
    issued_prescription(patient, [{"medicine_name": "Omeprazole", "strength": "20 mg"}])  # 14 capsules

    with pytest.raises(PharmacyError, match="at most 14") as error:
        services.add_to_cart(patient=patient, medicine=seclo, quantity=15)
    assert error.value.field == "quantity"
    line = services.add_to_cart(patient=patient, medicine=seclo, quantity=10)
    with pytest.raises(PharmacyError, match="at most 14"):
        services.set_quantity(patient=patient, line=line, quantity=20)


def test_what_was_bought_counts_against_the_prescription(patient, seclo, issued_prescription, receive, order_for):
    issued_prescription(patient, [{"medicine_name": "Omeprazole", "strength": "20 mg"}])
    receive(seclo, 100)
    order_for(seclo, 10)

    with pytest.raises(PharmacyError, match="at most 4"):
        services.add_to_cart(patient=patient, medicine=seclo, quantity=5)
    services.add_to_cart(patient=patient, medicine=seclo, quantity=4)


def test_a_draft_or_other_strength_prescription_does_not_count(patient, seclo, doctor_membership, issued_prescription):
    draft = doctor_membership.prescriptions.create(hospital=doctor_membership.hospital, patient=patient)
    draft.items.create(hospital=draft.hospital, medicine_name="Omeprazole", strength="20 mg", dose="1", frequency="1+0+1",
                       duration="7 days")
    issued_prescription(patient, [{"medicine_name": "Omeprazole", "strength": "40 mg"}])

    with pytest.raises(PrescriptionRequired):
        services.add_to_cart(patient=patient, medicine=seclo, quantity=1)


@pytest.mark.parametrize(("form", "dose", "frequency", "duration", "expected"), [
    ("tablet", "1 tablet", "1+0+1", "7 days", 14),
    ("tablet", "2 tablets", "1+1+1", "5 days", 30),
    ("tablet", "½ tablet", "1+0+0", "30 days", 15),
    ("capsule", "1", "1+0+1", "2 weeks", 28),
    ("tablet", "1 tablet", "0+0+1", "1 month", 30),
    ("tablet", "1 tablet", "when needed", "7 days", services.UNCOUNTED_COURSE_UNITS),
    ("tablet", "1 tablet", "1+0+1", "continue", services.UNCOUNTED_COURSE_UNITS),
    ("syrup", "2 tsp", "1+1+1", "7 days", 1),
    ("inhaler", "2 puffs", "1+0+1", "3 months", 3),
])
def test_prescribed_quantity_rule(form, dose, frequency, duration, expected):
    item = PrescriptionItem(medicine_name="X", dose=dose, frequency=frequency, duration=duration)

    assert prescribed_quantity(item, Medicine(dosage_form=form)) == expected


def test_cart_problems_say_what_changed_since_adding(patient, medicine, hospital, pharmacist, receive):
    receive(medicine, 3)
    gone = MedicineFactory(hospital=hospital, generic_name="Ranitidine")
    receive(gone, 10)
    line = services.add_to_cart(patient=patient, medicine=medicine, quantity=5)
    services.add_to_cart(patient=patient, medicine=gone, quantity=1)
    services.update_medicine(medicine=medicine, by=pharmacist, unit_price="15.00")
    services.deactivate_medicine(medicine=gone, by=pharmacist)

    problems = services.cart_problems(line.order)

    assert [(p.line.medicine.generic_name, p.kind) for p in problems] == [
        ("Paracetamol", "repriced"), ("Paracetamol", "short"), ("Ranitidine", "inactive")]
    assert "12.00" in problems[0].message and "15.00" in problems[0].message
    assert "Only 3 left" in problems[1].message
    with pytest.raises(PharmacyError, match="no longer sold") as error:
        services.checkout(patient=patient, order=line.order)
    assert (error.value.field, error.value.item) == ("medicine", 1)


def test_cart_from_prescription_fills_in_stock_matches_and_lists_the_rest(
        patient, hospital, seclo, medicine, receive, issued_prescription):
    receive(seclo, 10)  # fewer than the 14 prescribed
    receive(medicine, 100)
    out = MedicineFactory(hospital=hospital, generic_name="Fexofenadine", brand_name="Fexo", strength="120 mg")
    prescription = issued_prescription(patient, [
        {"medicine_name": "Omeprazole", "strength": "20 mg"},
        {"medicine_name": "NAPA", "strength": "500 mg", "frequency": "1+1+1", "duration": "5 days"},
        {"medicine_name": "Fexo", "strength": "120 mg"},
        {"medicine_name": "Montelukast", "strength": "10 mg"},
    ])

    fill = services.cart_from_prescription(patient=patient, prescription=prescription)

    assert [(line.medicine.generic_name, line.quantity) for line in fill.added] == [("Omeprazole", 10),
                                                                                   ("Paracetamol", 15)]
    assert [(item.medicine_name, reason) for item, reason in fill.not_stocked] == [
        ("Fexo", "Out of stock at the moment."), ("Montelukast", "Not stocked at this pharmacy.")]
    assert fill.order.prescription == prescription and fill.order.hospital == hospital
    assert out.pk not in [line.medicine_id for line in fill.added]
    order = services.checkout(patient=patient, order=fill.order)
    assert order.amount == Decimal("10") * 5 + Decimal("15") * Decimal("12.00")
    assert_ledger_balanced()


def test_cart_from_someone_elses_prescription_is_refused(patient, issued_prescription):
    theirs = issued_prescription(PatientFactory(), [{"medicine_name": "Omeprazole"}])

    with pytest.raises(PharmacyError, match="No such prescription") as error:
        services.cart_from_prescription(patient=patient, prescription=theirs)
    assert error.value.field == "prescription"


def test_place_order_refuses_another_hospitals_medicine_with_the_item_index(patient, hospital, other_hospital, medicine,
                                                                          receive):
    receive(medicine, 10)
    theirs = MedicineFactory(hospital=other_hospital)

    with pytest.raises(PharmacyError, match="not sold here") as error:
        services.place_order(patient=patient, hospital=hospital, items=[
            {"medicine": medicine.pk, "quantity": 1}, {"medicine": theirs.pk, "quantity": 1}])
    assert (error.value.field, error.value.item) == ("medicine", 1)
    with pytest.raises(PharmacyError) as error:
        services.place_order(patient=patient, hospital=hospital, items=[{"medicine": medicine.pk, "quantity": 0}])
    assert (error.value.field, error.value.item) == ("quantity", 0)
    with pytest.raises(PharmacyError) as error:
        services.place_order(patient=patient, hospital=hospital, items=[])
    assert error.value.field == "items"

    order = services.place_order(patient=patient, hospital=hospital, items=[{"medicine": medicine.pk, "quantity": 4}])
    assert order.status == "awaiting_payment" and order.amount == Decimal("48.00")
    assert_ledger_balanced()


@pytest.mark.parametrize("medicine_id", ["12", "abc", None, 1.0, True, [1]])
def test_a_medicine_id_that_is_not_a_number_is_refused_beside_the_field(patient, medicine_id):
    with pytest.raises(PharmacyError) as error:
        services.add_to_cart(patient=patient, medicine=medicine_id, quantity=1)

    assert error.value.field == "medicine"
