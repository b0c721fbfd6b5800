"""Filling a paid order: preparing proposes the reserved batches, ready dispenses them, partial fills refund."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from notifications.models import Notification
from pharmacy import services
from pharmacy.models import InvalidTransition, MedicineOrder, PharmacyError
from pharmacy.selectors import assert_ledger_balanced, dispensed_medicines, pick_list
from pharmacy.tests.conftest import moves
from pharmacy.tests.factories import MedicineFactory
from records.models import AccessLog
from records.permissions import RecordScope

pytestmark = pytest.mark.django_db
Status = MedicineOrder.Status


def test_preparing_proposes_the_reserved_batches_earliest_expiry_first(patient, medicine, pharmacist, receive,
                                                                        paid_order):
    late = receive(medicine, 20, expires_in_days=300)
    soon = receive(medicine, 3, expires_in_days=45)
    order = paid_order(medicine, 5)

    order = services.start_preparing(order=order, by=pharmacist)
    assert_ledger_balanced()

    line = pick_list(order).get()
    assert [(a.batch.batch_number, a.quantity) for a in line.allocations.all()] == [
        (soon.batch_number, 3), (late.batch_number, 2)]
    assert order.status == Status.PREPARING


def test_ready_dispenses_the_reservation_and_tells_the_patient(patient, medicine, pharmacist, receive, paid_order,
                                                               django_capture_on_commit_callbacks):
    soon = receive(medicine, 3, expires_in_days=45)
    late = receive(medicine, 20, expires_in_days=300)
    order = services.start_preparing(order=paid_order(medicine, 5), by=pharmacist)

    with django_capture_on_commit_callbacks(execute=True):
        order = services.mark_ready(order=order, by=pharmacist)
    assert_ledger_balanced()

    soon.refresh_from_db()
    late.refresh_from_db()
    assert [(b.quantity_on_hand, b.quantity_reserved) for b in (soon, late)] == [(0, 0), (18, 0)]
    assert moves(soon)[-1] == ("dispensed", -3, -3) and moves(late)[-1] == ("dispensed", -2, -2)
    assert order.status == Status.READY and order.lines.get().quantity_dispensed == 5
    assert order.refund_due == Decimal("0.00")
    note = Notification.objects.get(user=patient, event="medicine_order_ready")
    assert note.title == f"Your medicines are ready at {medicine.hospital.name}"
    assert [m.subject for m in mail.outbox if m.to == [patient.email]][-1] == note.title
    assert order.number in mail.outbox[-1].body


def test_a_partial_fill_needs_a_note_releases_the_rest_and_refunds_it(patient, hospital, medicine, pharmacist, receive,
                                                                       paid_order):
    batch = receive(medicine, 10)
    order = services.start_preparing(order=paid_order(medicine, 10), by=pharmacist)
    line = order.lines.get()

    with pytest.raises(PharmacyError) as error:
        services.mark_ready(order=order, by=pharmacist, dispensed={line.pk: 6})
    assert error.value.field == "note"
    with pytest.raises(PharmacyError) as error:
        services.mark_ready(order=order, by=pharmacist, dispensed={line.pk: 11}, note="x")
    assert (error.value.field, error.value.item) == ("dispensed", 0)
    with pytest.raises(PharmacyError, match="cancel the order instead"):
        services.mark_ready(order=order, by=pharmacist, dispensed={line.pk: 0}, note="None found")

    order = services.mark_ready(order=order, by=pharmacist, dispensed={line.pk: 6}, note="Four strips were damaged")
    assert_ledger_balanced()

    batch.refresh_from_db()
    assert (batch.quantity_on_hand, batch.quantity_reserved) == (4, 0)
    assert moves(batch)[-2:] == [("dispensed", -6, -6), ("released", 0, -4)]
    assert order.refund_due == Decimal("48.00") and order.fill_note == "Four strips were damaged"
    assert order.lines.get().quantity_dispensed == 6


def test_units_reserved_on_a_batch_that_expired_since_checkout_move_to_another(patient, medicine, pharmacist, receive,
                                                                                paid_order, clock):
    soon = receive(medicine, 4, expires_in_days=2)
    late = receive(medicine, 20, expires_in_days=300)
    order = paid_order(medicine, 4)
    assert [a.batch_id for a in order.lines.get().allocations.all()] == [soon.pk]

    clock.shift(timedelta(days=3))
    order = services.start_preparing(order=order, by=pharmacist)
    assert_ledger_balanced()

    line = pick_list(order).get()
    assert [(a.batch_id, a.quantity, a.released) for a in line.allocations.all()] == [
        (soon.pk, 4, True), (late.pk, 4, False)]
    services.mark_ready(order=order, by=pharmacist)
    assert_ledger_balanced()
    soon.refresh_from_db()
    assert (soon.quantity_on_hand, soon.quantity_reserved) == (4, 0)  # left to be written off, never dispensed


def test_collected_and_the_delivery_path(patient, hospital, medicine, pharmacist, hospital_admin, receive, paid_order):
    receive(medicine, 50)
    services.update_pharmacy_settings(hospital=hospital, by=hospital_admin, delivery_offered=True, delivery_fee="50")
    pickup = services.mark_ready(order=services.start_preparing(order=paid_order(medicine, 2), by=pharmacist),
                                 by=pharmacist)
    delivered = paid_order(medicine, 3, delivery=True, delivery_address="Flat 3B, Road 7, Dhanmondi")
    delivered = services.mark_ready(order=services.start_preparing(order=delivered, by=pharmacist), by=pharmacist)

    with pytest.raises(PharmacyError, match="collected at the pharmacy"):
        services.send_out_for_delivery(order=pickup, by=pharmacist)
    assert services.mark_collected(order=pickup, by=pharmacist).status == Status.COLLECTED
    services.send_out_for_delivery(order=delivered, by=pharmacist)
    assert services.mark_delivered(order=delivered, by=pharmacist).status == Status.DELIVERED
    assert Notification.objects.filter(user=patient, event="medicine_order_out_for_delivery").exists()
    with pytest.raises(InvalidTransition):
        services.cancel_order(order=pickup, by=patient)
    assert_ledger_balanced()


def test_a_ready_order_can_no_longer_be_cancelled(patient, medicine, pharmacist, receive, paid_order):
    receive(medicine, 10)
    order = services.mark_ready(order=services.start_preparing(order=paid_order(medicine, 2), by=pharmacist),
                                by=pharmacist)

    with pytest.raises(InvalidTransition, match="ready"):
        services.cancel_order(order=order, by=patient, reason="Changed my mind")
    assert_ledger_balanced()


def test_the_pharmacist_reads_the_orders_prescription_and_the_read_is_logged(
        patient, hospital, other_hospital, pharmacist, receive, issued_prescription, paid_order):
    seclo = MedicineFactory(hospital=hospital, generic_name="Omeprazole", brand_name="Seclo", strength="20 mg",
                            dosage_form="capsule", prescription_only=True)
    receive(seclo, 30)
    prescription = issued_prescription(patient, [{"medicine_name": "Omeprazole", "strength": "20 mg"}])
    order = paid_order(seclo, 14)

    read = services.read_order_prescription(reader=pharmacist, order=order, prescription=prescription.pk,
                                            hospital=hospital)

    assert read == prescription and [i.medicine_name for i in read.items.all()] == ["Omeprazole"]
    entry = AccessLog.objects.get(accessor=pharmacist)
    assert (entry.patient, entry.role, entry.object_type, entry.object_id, entry.hospital) == (
        patient, "pharmacist", "prescription", prescription.pk, hospital)
    with pytest.raises(PharmacyError, match="No such order"):
        services.read_order_prescription(reader=pharmacist, order=order, prescription=prescription.pk,
                                         hospital=other_hospital)
    other = issued_prescription(patient, [{"medicine_name": "Amlodipine"}])
    with pytest.raises(PharmacyError, match="No such prescription"):
        services.read_order_prescription(reader=pharmacist, order=order, prescription=other.pk, hospital=hospital)
    assert AccessLog.objects.filter(accessor=pharmacist).count() == 1


def test_dispensed_medicines_for_the_doctors_timeline_follow_the_record_scope(
        patient, hospital, other_hospital, medicine, pharmacist, receive, paid_order):
    receive(medicine, 10)
    services.mark_ready(order=services.start_preparing(order=paid_order(medicine, 2), by=pharmacist), by=pharmacist)
    paid_order(medicine, 3)  # paid, not dispensed yet
    elsewhere = MedicineFactory(hospital=other_hospital, generic_name="Amlodipine")
    receive(elsewhere, 10)
    other_pharmacist = pharmacist  # the ledger records who; the tenancy guard is the pages' job
    services.mark_ready(order=services.start_preparing(order=paid_order(elsewhere, 1), by=other_pharmacist),
                        by=other_pharmacist)

    everything = [(line.medicine.generic_name, line.quantity_dispensed) for line in dispensed_medicines(patient)]
    own_only = dispensed_medicines(patient, scope=RecordScope(all_hospitals=False, hospital_ids=frozenset({hospital.pk})))

    assert sorted(everything) == [("Amlodipine", 1), ("Paracetamol", 2)]
    assert [line.medicine.generic_name for line in own_only] == ["Paracetamol"]


def test_dispensed_medicines_show_on_the_record_timeline_and_orders_on_me_orders(
        patient, hospital, other_hospital, medicine, pharmacist, receive, paid_order, client_for):
    from accounts.orders import orders_for
    from records.timeline import build_timeline

    receive(medicine, 20)
    ready = services.mark_ready(order=services.start_preparing(order=paid_order(medicine, 2), by=pharmacist),
                                by=pharmacist)
    paid_order(medicine, 3)
    elsewhere = MedicineFactory(hospital=other_hospital, generic_name="Amlodipine")
    receive(elsewhere, 10)
    services.mark_ready(order=services.start_preparing(order=paid_order(elsewhere, 1), by=pharmacist), by=pharmacist)

    everything = [e.item.pk for e in build_timeline(patient, scope=RecordScope(all_hospitals=True))
                  if e.kind == "dispensed_medicine"]
    own_only = [e.item for e in build_timeline(patient, scope=RecordScope(
        all_hospitals=False, hospital_ids=frozenset({hospital.pk}))) if e.kind == "dispensed_medicine"]
    assert len(everything) == 2 and [o.pk for o in own_only] == [ready.pk]
    page = client_for(patient).get("/me/records/").content.decode()
    assert "Medicines dispensed" in page and "Paracetamol (Napa) 500 mg × 2" in page

    rows = orders_for(patient, kind="medicine")
    assert [(row.reference, row.status) for row in rows][-1] == (ready.number, "ready")
    assert "MO-" in client_for(patient).get("/me/orders/").content.decode()
