"""Chat fixtures: a patient and doctor with a care relationship, their conversation; socket helpers."""

from datetime import timedelta

import pytest

from appointments.slots import local_now
from appointments.tests.factories import AppointmentFactory
from chat.tests.factories import ConversationFactory
from tests.sockets import fresh_channel_layer, session_cookie, socket  # noqa: F401  (fixtures)


@pytest.fixture
def care_appointment(patient, doctor_membership):
    """A confirmed appointment of ``patient`` with ``doctor``: the care relationship."""
    return AppointmentFactory(
        membership=doctor_membership, patient=patient, date=local_now(doctor_membership.hospital).date() + timedelta(days=2),
        status="confirmed", token_number=1,
    )


@pytest.fixture
def conversation(care_appointment):
    return ConversationFactory(patient=care_appointment.patient, doctor=care_appointment.membership.user)
