from datetime import UTC, date, datetime, time, timedelta

import pytest

from accounts.tests.factories import PatientFactory
from appointments.models import Appointment
from appointments.slots import BOOKING_WINDOW_DAYS, booking_window, free_slots, open_dates, rule_slots
from appointments.tests.factories import AppointmentFactory, DayOffFactory, ScheduleRuleFactory
from hospitals.tests.factories import HospitalFactory, MembershipFactory

pytestmark = pytest.mark.django_db

SUNDAY = date(2030, 1, 6)
SATURDAY_BEFORE = datetime(2030, 1, 5, 12, 0, tzinfo=UTC)


def starts(slots):
    return [slot.value for slot in slots]


@pytest.fixture
def membership(doctor_membership):
    ScheduleRuleFactory(membership=doctor_membership, weekday=6, start_time=time(9), end_time=time(10))
    return doctor_membership


def test_rule_slots_cut_whole_slots_and_drop_the_remainder(membership):
    rule = ScheduleRuleFactory.build(weekday=6, start_time=time(9), end_time=time(10), slot_minutes=25)
    assert starts(rule_slots([rule], SUNDAY, UTC)) == ["09:00", "09:25"]
    assert rule_slots([rule], SUNDAY + timedelta(days=1), UTC) == []


def test_free_slots_cover_the_rule_to_its_last_whole_slot(membership):
    slots = free_slots(membership, SUNDAY, now=SATURDAY_BEFORE)
    assert starts(slots) == ["09:00", "09:15", "09:30", "09:45"]
    assert slots[-1].end == time(10)


def test_free_slots_merge_two_rules_in_order(membership):
    ScheduleRuleFactory(membership=membership, weekday=6, start_time=time(15), end_time=time(15, 30), slot_minutes=30)
    assert starts(free_slots(membership, SUNDAY, now=SATURDAY_BEFORE)) == ["09:00", "09:15", "09:30", "09:45", "15:00"]


def test_free_slots_none_on_a_day_off_or_a_day_without_rules(membership):
    DayOffFactory(membership=membership, date=SUNDAY)
    assert free_slots(membership, SUNDAY, now=SATURDAY_BEFORE) == []
    assert free_slots(membership, SUNDAY + timedelta(days=1), now=SATURDAY_BEFORE) == []


def test_free_slots_leave_out_taken_but_not_closed_appointments(membership):
    for start, status in [(time(9), "requested"), (time(9, 15), "confirmed"), (time(9, 30), "cancelled"),
                          (time(9, 45), "rejected")]:
        AppointmentFactory(membership=membership, date=SUNDAY, start_time=start,
                           end_time=(datetime.combine(SUNDAY, start) + timedelta(minutes=15)).time(), status=status)
    assert starts(free_slots(membership, SUNDAY, now=SATURDAY_BEFORE)) == ["09:30", "09:45"]


def test_free_slots_leave_out_slots_overlapping_a_longer_booking(membership):
    # Booked when the doctor used 30-minute slots: it covers 09:00 and 09:15.
    AppointmentFactory(membership=membership, date=SUNDAY, start_time=time(9), end_time=time(9, 30))
    assert starts(free_slots(membership, SUNDAY, now=SATURDAY_BEFORE)) == ["09:30", "09:45"]


def test_free_slots_offer_a_stale_payment_hold_again(membership):
    AppointmentFactory(membership=membership, date=SUNDAY, status=Appointment.Status.AWAITING_PAYMENT,
                       hold_expires_at=SATURDAY_BEFORE - timedelta(minutes=1))
    AppointmentFactory(membership=membership, date=SUNDAY, start_time=time(9, 15), end_time=time(9, 30),
                       status=Appointment.Status.AWAITING_PAYMENT, patient=PatientFactory(),
                       hold_expires_at=SATURDAY_BEFORE + timedelta(minutes=10))
    assert starts(free_slots(membership, SUNDAY, now=SATURDAY_BEFORE)) == ["09:00", "09:30", "09:45"]


def test_free_slots_leave_out_the_past_in_the_hospitals_zone(membership):
    # 03:20 UTC is 09:20 in Dhaka: 09:00 and 09:15 have begun.
    now = datetime(2030, 1, 6, 3, 20, tzinfo=UTC)
    assert starts(free_slots(membership, SUNDAY, now=now)) == ["09:30", "09:45"]


def test_a_slot_starting_exactly_now_is_not_offered(membership):
    now = datetime(2030, 1, 6, 9, 30, tzinfo=membership.hospital.tz)
    assert starts(free_slots(membership, SUNDAY, now=now)) == ["09:45"]


def test_same_rules_in_dhaka_and_utc_differ_by_the_zone():
    dhaka = MembershipFactory(hospital=HospitalFactory(time_zone="Asia/Dhaka"))
    london = MembershipFactory(hospital=HospitalFactory(time_zone="UTC"))
    for membership in (dhaka, london):
        ScheduleRuleFactory(membership=membership, weekday=6, start_time=time(9), end_time=time(10))
    now = datetime(2030, 1, 6, 3, 40, tzinfo=UTC)  # 09:40 in Dhaka, 03:40 in UTC

    assert starts(free_slots(dhaka, SUNDAY, now=now)) == ["09:45"]
    assert starts(free_slots(london, SUNDAY, now=now)) == ["09:00", "09:15", "09:30", "09:45"]
    slot = free_slots(dhaka, SUNDAY, now=now)[0]
    assert slot.starts_at == datetime(2030, 1, 6, 3, 45, tzinfo=UTC)


def test_booking_window_starts_today_in_the_hospitals_zone():
    late_evening_utc = datetime(2030, 1, 5, 20, 0, tzinfo=UTC)  # already Sunday 02:00 in Dhaka
    assert booking_window(HospitalFactory(time_zone="Asia/Dhaka"), late_evening_utc)[0] == SUNDAY
    first, last = booking_window(HospitalFactory(time_zone="UTC"), late_evening_utc)
    assert first == date(2030, 1, 5) and (last - first).days == BOOKING_WINDOW_DAYS - 1


def test_free_slots_empty_outside_the_window(membership):
    assert free_slots(membership, SUNDAY + timedelta(days=35), now=SATURDAY_BEFORE) == []
    assert free_slots(membership, SUNDAY - timedelta(days=7), now=SATURDAY_BEFORE) == []


def test_open_dates_list_working_days_with_their_free_count(membership):
    DayOffFactory(membership=membership, date=SUNDAY + timedelta(days=7))
    AppointmentFactory(membership=membership, date=SUNDAY)

    dates = open_dates(membership, now=SATURDAY_BEFORE)

    assert dates[0] == (SUNDAY, 3)
    assert SUNDAY + timedelta(days=7) not in dict(dates)
    assert [d.weekday() for d, _ in dates] == [6] * len(dates)
    assert len(dates) == 4  # Sundays 6, 20, 27 Jan and 3 Feb in the 30 days from 5 Jan, less the day off
