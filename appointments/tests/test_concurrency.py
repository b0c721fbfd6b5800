"""Races on PostgreSQL with real threads: one slot, many patients; one doctor's day, many confirmations."""

from datetime import time

import pytest

from accounts.tests.factories import PatientFactory
from appointments import services
from appointments.models import Appointment
from healthstack.testing import in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_patients_booking_one_slot_get_one_appointment(doctor_membership, booking_day):
    doctor_membership.consultation_fee = 0  # free: straight on to requested
    doctor_membership.save(update_fields=["consultation_fee"])
    patients = [PatientFactory() for _ in range(20)]

    results = in_threads(20, lambda i: services.book_appointment(
        patient=patients[i], membership=doctor_membership, day=booking_day, start=time(10, 0), reason="Fever",
    ))

    won = [value for outcome, value in results if outcome == "ok"]
    lost = [value for outcome, value in results if outcome == "error"]
    assert len(won) == 1 and len(lost) == 19
    assert all(type(error) is services.AppointmentError and str(error) == services.SLOT_TAKEN for error in lost), lost
    assert Appointment.objects.filter(date=booking_day, start_time=time(10, 0)).count() == 1
    assert Appointment.objects.get().status == Appointment.Status.REQUESTED


def test_ten_confirmations_at_once_number_one_to_ten(doctor_membership, booking_day, receptionist, make_appointment):
    appointments = [make_appointment(start=time(9 + i // 4, 15 * (i % 4)), patient=PatientFactory()) for i in range(10)]

    results = in_threads(10, lambda i: services.confirm_appointment(appointment=appointments[i], by=receptionist))

    assert [outcome for outcome, _ in results] == ["ok"] * 10, results
    tokens = sorted(Appointment.objects.filter(date=booking_day).values_list("token_number", flat=True))
    assert tokens == list(range(1, 11))
