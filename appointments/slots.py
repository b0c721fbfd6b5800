"""Free slots: computed from a doctor's weekly rules, days off and active appointments, never stored.

Everything here is in the hospital's local time (``Hospital.tz``): a rule "Sunday 09:00–13:00"
at a hospital in Asia/Dhaka means 09:00 in Dhaka whatever the server's zone.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from healthstack.localtime import hospital_now

from .models import Appointment, DayOff, ScheduleRule

BOOKING_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Slot:
    date: date
    start: time
    end: time
    tz: object

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.date, self.start, tzinfo=self.tz)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.date, self.end, tzinfo=self.tz)

    @property
    def value(self) -> str:
        return self.start.strftime("%H:%M")


def local_now(hospital, now: datetime | None = None) -> datetime:
    return hospital_now(hospital, now)


def booking_window(hospital, now: datetime | None = None) -> tuple[date, date]:
    """First and last bookable date: today in the hospital's zone and the next 29 days."""
    today = local_now(hospital, now).date()
    return today, today + timedelta(days=BOOKING_WINDOW_DAYS - 1)


def rule_slots(rules, day: date, tz) -> list[Slot]:
    """Cut the rules for ``day``'s weekday into whole slots; a remainder shorter than a slot is dropped."""
    slots = []
    for rule in rules:
        if rule.weekday != day.weekday():
            continue
        step = timedelta(minutes=rule.slot_minutes)
        start = datetime.combine(day, rule.start_time)
        limit = datetime.combine(day, rule.end_time)
        while start + step <= limit:
            slots.append(Slot(day, start.time(), (start + step).time(), tz))
            start += step
    return sorted(slots, key=lambda slot: slot.start)


def taken_intervals(membership, first: date, last: date, now: datetime) -> dict[date, list[tuple[time, time]]]:
    """Active appointments' (start, end) per date; a payment hold past its deadline no longer counts."""
    stale_hold = Q(status=Appointment.Status.AWAITING_PAYMENT, hold_expires_at__lte=now)
    rows = (
        Appointment.objects.for_membership(membership).active().filter(date__range=(first, last))
        .exclude(stale_hold).values_list("date", "start_time", "end_time")
    )
    taken = defaultdict(list)
    for day, start, end in rows:
        taken[day].append((start, end))
    return taken


def free_slots_by_day(membership, first: date, last: date, *, now: datetime | None = None) -> dict[date, list[Slot]]:
    """Free slots of ``membership`` for each date in [first, last] (dates with none map to [])."""
    now = now or timezone.now()
    tz = membership.hospital.tz
    rules = list(ScheduleRule.objects.for_membership(membership))
    days_off = set(
        DayOff.objects.for_membership(membership).filter(date__range=(first, last)).values_list("date", flat=True)
    )
    taken = taken_intervals(membership, first, last, now)
    result = {}
    day = first
    while day <= last:
        result[day] = [] if day in days_off else [
            slot for slot in rule_slots(rules, day, tz)
            if slot.starts_at > now
            and not any(start < slot.end and slot.start < end for start, end in taken[day])
        ]
        day += timedelta(days=1)
    return result


def free_slots(membership, day: date, *, now: datetime | None = None) -> list[Slot]:
    """Free slots on one date; [] outside the booking window."""
    first, last = booking_window(membership.hospital, now)
    if not first <= day <= last:
        return []
    return free_slots_by_day(membership, day, day, now=now)[day]


def open_dates(membership, *, now: datetime | None = None) -> list[tuple[date, int]]:
    """Dates in the booking window with at least one free slot, and how many."""
    first, last = booking_window(membership.hospital, now)
    by_day = free_slots_by_day(membership, first, last, now=now)
    return [(day, len(slots)) for day, slots in by_day.items() if slots]
