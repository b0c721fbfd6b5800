"""Fixtures for the appointments tests: a doctor with Sunday-to-Thursday hours and a day to book."""

from datetime import time, timedelta

import pytest

from appointments.slots import local_now
from appointments.tests.factories import AppointmentFactory, ScheduleRuleFactory


@pytest.fixture
def booking_day(doctor_membership):
    """A date three days ahead (hospital time) on which ``doctor_membership`` works 09:00–13:00, 15-minute slots."""
    day = local_now(doctor_membership.hospital).date() + timedelta(days=3)
    ScheduleRuleFactory(membership=doctor_membership, weekday=day.weekday())
    return day


@pytest.fixture
def make_appointment(doctor_membership, patient, booking_day):
    """``make_appointment(status=..., start=time(9, 0), **fields)``: a row in the booking day's schedule."""

    def make(status="requested", start=time(9, 0), **fields):
        end = (timedelta(hours=start.hour, minutes=start.minute + 15))
        fields.setdefault("membership", doctor_membership)
        fields.setdefault("patient", patient)
        fields.setdefault("date", booking_day)
        return AppointmentFactory(
            status=status, start_time=start, end_time=time(end.seconds // 3600, end.seconds % 3600 // 60), **fields
        )

    return make
