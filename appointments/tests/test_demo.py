from datetime import datetime

import pytest
import time_machine

from appointments.demo import _featured
from appointments.models import Appointment, QueueState, Review, ScheduleRule
from appointments.slots import local_now
from hospitals.demo import seed
from hospitals.models import Membership

pytestmark = pytest.mark.django_db

# One instant on each weekday of a week (10:30 in Dhaka), then both sides of Dhaka's midnight
# from Thursday into Friday, the weekday the demo's doctors have no hours.
WEEK = [f"2026-11-{day}T04:30:00+00:00" for day in range(22, 29)]
DHAKA_MIDNIGHT = ["2026-11-26T17:59:00+00:00", "2026-11-26T18:01:00+00:00"]


def test_demo_gives_every_doctor_hours_and_lives_in_the_queue_once(seeded_demo):
    counts = (Appointment.objects.count(), Review.objects.count(), ScheduleRule.objects.count())

    seed()

    assert (Appointment.objects.count(), Review.objects.count(), ScheduleRule.objects.count()) == counts
    doctors = Membership.objects.bookable()
    assert doctors.exists() and not doctors.filter(schedule_rules__isnull=True).exists()
    assert Review.objects.count() >= 6
    assert set(Appointment.objects.values_list("status", flat=True)) >= {
        "requested", "confirmed", "completed", "no_show", "cancelled"}
    assert not Appointment.objects.filter(status="confirmed", token_number__isnull=True).exists()


@pytest.mark.parametrize("instant", WEEK + DHAKA_MIDNIGHT)
def test_demo_seats_todays_queue_whatever_the_day_and_hour(instant):
    with time_machine.travel(datetime.fromisoformat(instant), tick=False):
        ctx = seed()

        featured = _featured(ctx)
        assert featured
        for membership in featured:
            today = local_now(membership.hospital).date()
            queue = Appointment.objects.for_membership(membership).on(today)
            assert queue.filter(token_number__isnull=False).count() >= 3, membership.hospital.name
            assert QueueState.objects.get(membership=membership, date=today).now_serving == 2
