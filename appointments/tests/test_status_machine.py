"""Every appointment status pair: allowed moves happen with one history row, the others are refused."""

from datetime import date

import pytest
from django.db import transaction

from appointments.models import Appointment, AppointmentError
from healthstack.status import locked
from healthstack.testing import check_transition, transition_matrix

from .factories import AppointmentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("from_status", "to_status", "allowed"), transition_matrix(Appointment))
def test_appointment_transition(from_status, to_status, allowed, doctor_membership, patient, doctor):
    appointment = AppointmentFactory(membership=doctor_membership, patient=patient, date=date(2026, 3, 2),
                                     status=from_status)
    check_transition(appointment, to_status, allowed, by=doctor, history=lambda row: row.status_changes.all())


def test_appointment_refusal_says_what_it_is_and_what_was_asked(doctor_membership, patient, doctor):
    appointment = AppointmentFactory(membership=doctor_membership, patient=patient, date=date(2026, 3, 2),
                                     status="completed")
    with pytest.raises(AppointmentError, match="This appointment is completed; it cannot be confirmed."):
        with transaction.atomic():
            locked(appointment).transition_to(Appointment.Status.CONFIRMED, by=doctor)
