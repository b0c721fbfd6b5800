import pytest

from appointments.models import Appointment, QueueState, Review, ScheduleRule
from hospitals.demo import seed
from hospitals.models import Membership

pytestmark = pytest.mark.django_db


def test_demo_gives_every_doctor_hours_and_lives_in_the_queue_once():
    seed()
    counts = (Appointment.objects.count(), Review.objects.count(), ScheduleRule.objects.count())

    seed()

    assert (Appointment.objects.count(), Review.objects.count(), ScheduleRule.objects.count()) == counts
    doctors = Membership.objects.bookable()
    assert doctors.exists() and not doctors.filter(schedule_rules__isnull=True).exists()
    assert Review.objects.count() >= 6
    assert set(Appointment.objects.values_list("status", flat=True)) >= {
        "requested", "confirmed", "completed", "no_show", "cancelled"}
    assert not Appointment.objects.filter(status="confirmed", token_number__isnull=True).exists()
    if QueueState.objects.exclude(now_serving=None).exists():  # a working day: the queue is moving
        assert QueueState.objects.exclude(now_serving=None).first().now_serving == 2
