"""Fixtures for the records tests: a care relationship and a second doctor elsewhere."""

from datetime import date, time

import pytest

from appointments.tests.factories import AppointmentFactory
from hospitals.tests.factories import DepartmentFactory, MembershipFactory


@pytest.fixture
def visit(doctor_membership, patient):
    """A completed appointment: ``doctor`` and ``patient`` have a care relationship at ``hospital``."""
    return AppointmentFactory(membership=doctor_membership, patient=patient, date=date(2025, 3, 2), status="completed",
                              token_number=1)


@pytest.fixture
def other_doctor_membership(other_hospital):
    """An approved doctor at ``other_hospital`` with no tie to ``patient`` yet."""
    return MembershipFactory(hospital=other_hospital, role="doctor",
                             department=DepartmentFactory(hospital=other_hospital, name="Medicine", slug="medicine"),
                             user__full_name="Farida Yasmin", user__email="dr.farida@example.test")


@pytest.fixture
def other_doctor(other_doctor_membership):
    return other_doctor_membership.user


@pytest.fixture
def other_visit(other_doctor_membership, patient):
    """``patient`` also sees ``other_doctor`` at ``other_hospital``."""
    return AppointmentFactory(membership=other_doctor_membership, patient=patient, date=date(2025, 4, 6),
                              start_time=time(10, 0), end_time=time(10, 15), status="confirmed", token_number=1)
