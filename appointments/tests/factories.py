"""factory-boy factories for schedules and appointments, in the same hospital as their doctor."""

from datetime import time

import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import PatientFactory
from appointments.models import Appointment, DayOff, ScheduleRule
from hospitals.tests.factories import MembershipFactory


class ScheduleRuleFactory(DjangoModelFactory):
    """Sunday 09:00–13:00 in 15-minute slots by default."""

    class Meta:
        model = ScheduleRule

    membership = factory.SubFactory(MembershipFactory)
    hospital = factory.SelfAttribute("membership.hospital")
    weekday = 6
    start_time = time(9, 0)
    end_time = time(13, 0)
    slot_minutes = 15


class DayOffFactory(DjangoModelFactory):
    class Meta:
        model = DayOff

    membership = factory.SubFactory(MembershipFactory)
    hospital = factory.SelfAttribute("membership.hospital")
    reason = "Conference"


class AppointmentFactory(DjangoModelFactory):
    """A requested appointment written straight to the table (tests of services use the services).

    Give ``date`` (and ``start_time``/``end_time`` if the default 09:00–09:15 clashes).
    """

    class Meta:
        model = Appointment

    membership = factory.SubFactory(MembershipFactory)
    hospital = factory.SelfAttribute("membership.hospital")
    patient = factory.SubFactory(PatientFactory)
    start_time = time(9, 0)
    end_time = time(9, 15)
    reason = "Chest pain on climbing stairs"
    status = Appointment.Status.REQUESTED
    fee = factory.SelfAttribute("membership.consultation_fee")
    currency = factory.SelfAttribute("membership.currency")
