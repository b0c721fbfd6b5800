"""Demo data for appointments, run by ``seed_demo`` after the hospitals steps (see hospitals.demo).

Every approved demo doctor gets weekly hours (Sunday to Thursday mornings and a Saturday evening
chamber; a doctor's second hospital gets afternoons) and a day off. The first doctor of each
hospital gets a live day: today's queue with tokens, requests to answer, past visits with
reviews, and an upcoming booking. Today's queue is there whatever the weekday: on a day the
doctor has no hours (a Friday), the demo opens a chamber for that weekday first. Each part is skipped when it already exists, and today's
queue is topped up on a later day, so the step can run again at any time.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from hospitals.demo import DemoContext, patient_email

from . import services
from .models import Appointment, DayOff, ScheduleRule
from .slots import local_now, rule_slots

SUNDAY_TO_THURSDAY = (6, 0, 1, 2, 3)
SATURDAY = 5
MORNING = (time(9), time(13), 15)
EVENING = (time(17), time(20), 15)
AFTERNOON = (time(15), time(18), 20)

REASONS = [
    "Chest tightness when climbing stairs for two weeks.",
    "Follow-up of blood pressure medicine.",
    "Fever and cough for four days.",
    "Recurring headaches in the morning.",
    "Pain in the right knee after a fall.",
    "Routine check-up and blood test results.",
]
REVIEWS = [
    (5, "Listened carefully and explained everything clearly. The wait was short."),
    (4, "Good advice. The clinic was busy but the token system kept it fair."),
    (5, "Very kind with my mother, and the follow-up plan was easy to understand."),
]


def _featured(ctx: DemoContext):
    """The first approved doctor membership of each hospital: the ones whose days look lived-in."""
    featured = {}
    for membership in ctx.doctor_memberships():
        featured.setdefault(membership.hospital_id, membership)
    return list(featured.values())


def _patients(ctx: DemoContext):
    users = []
    for number in range(1, 7):
        user = ctx.users.get(patient_email(number))
        if user is not None:
            users.append(user)
    return users


def seed_schedules(ctx: DemoContext) -> None:
    """Weekly hours and one day off for every approved demo doctor that has none yet."""
    first_post = set()
    for membership in ctx.doctor_memberships():
        second_post = membership.user_id in first_post
        first_post.add(membership.user_id)
        if ScheduleRule.objects.for_membership(membership).exists():
            continue
        hours = [(day, *AFTERNOON) for day in SUNDAY_TO_THURSDAY] if second_post else [
            *((day, *MORNING) for day in SUNDAY_TO_THURSDAY), (SATURDAY, *EVENING)
        ]
        for weekday, start, end, minutes in hours:
            ctx.created[ScheduleRule.__name__] += 1
            services.add_schedule_rule(membership=membership, weekday=weekday, start_time=start, end_time=end,
                                       slot_minutes=minutes)
        if not DayOff.objects.for_membership(membership).exists():
            day_off = local_now(membership.hospital).date() + timedelta(days=12 + membership.pk % 5)
            ctx.created[DayOff.__name__] += 1
            services.add_day_off(membership=membership, day=day_off, reason="Medical conference")


def _seat(ctx: DemoContext, membership, patient, day: date, slot_index: int, reason: str) -> Appointment | None:
    """Put a visit on the books at any date (past ones too), as if booked then; None if the slot is taken.

    ``slot_index`` counts on round the day's slots, so a short day still seats everyone.

    Booking rules about the past do not apply to history, so the row is written here and every
    later move goes through the services, which keep the status history and notifications.
    """
    slots = rule_slots(ScheduleRule.objects.for_membership(membership), day, membership.hospital.tz)
    if not slots:
        return None
    slot = slots[slot_index % len(slots)]
    if Appointment.objects.for_membership(membership).on(day).active().filter(start_time=slot.start).exists():
        return None
    appointment = Appointment.objects.create(
        hospital=membership.hospital, patient=patient, membership=membership, date=day, start_time=slot.start,
        end_time=slot.end, reason=reason, status=Appointment.Status.AWAITING_PAYMENT,
        fee=membership.consultation_fee, currency=membership.currency,
    )
    ctx.created[Appointment.__name__] += 1
    return services.request_appointment(appointment=appointment, by=patient, reason="Booked at the desk.")


def _working_day(membership, day: date, step: int) -> date:
    """``day`` or the nearest earlier/later (``step``) date with morning hours."""
    while day.weekday() not in SUNDAY_TO_THURSDAY:
        day += timedelta(days=step)
    return day


def _open_today(ctx: DemoContext, membership, today: date) -> None:
    """Give the doctor hours on ``today``'s weekday when there are none: their usual hours if free.

    The doctor may already work that weekday at another hospital, so the usual hours are tried
    first, then the demo's other chambers, and the first that clashes with nothing is kept.
    """
    rules = ScheduleRule.objects.for_membership(membership)
    if rules.filter(weekday=today.weekday()).exists():
        return
    usual = [(r.start_time, r.end_time, r.slot_minutes) for r in rules.order_by("start_time")]
    for start, end, minutes in [*usual, MORNING, AFTERNOON, EVENING]:
        try:
            services.add_schedule_rule(membership=membership, weekday=today.weekday(), start_time=start,
                                       end_time=end, slot_minutes=minutes)
        except services.AppointmentError:
            continue
        ctx.created[ScheduleRule.__name__] += 1
        return


def seed_todays_queue(ctx: DemoContext) -> None:
    """Today, for each featured doctor: five patients, one seen, one being seen, one waiting, two to confirm."""
    receptionists = {m.hospital_id: m.user for (_, _, role), m in ctx.memberships.items() if role == "receptionist"}
    patients = _patients(ctx)
    for index, membership in enumerate(_featured(ctx)):
        today = local_now(membership.hospital).date()
        if Appointment.objects.for_membership(membership).on(today).exists():
            continue
        _open_today(ctx, membership, today)
        desk = receptionists.get(membership.hospital_id, membership.user)
        seated = [
            _seat(ctx, membership, patient, today, index * 5 + offset, REASONS[(index + offset) % len(REASONS)])
            for offset, patient in enumerate(patients[:5])
        ]
        seated = [a for a in seated if a is not None]
        for appointment in seated[:3]:
            services.confirm_appointment(appointment=appointment, by=desk)
        if len(seated) >= 3:
            services.mark_arrived(appointment=seated[1], by=desk)
            first = services.call_next(membership=membership, by=membership.user, day=today)
            services.complete_appointment(appointment=first, by=membership.user)
            services.call_next(membership=membership, by=membership.user, day=today)


def seed_history(ctx: DemoContext) -> None:
    """Past visits for each featured doctor: three completed with reviews, one no-show, one cancelled."""
    patients = _patients(ctx)
    if len(patients) < 5:
        return
    for index, membership in enumerate(_featured(ctx)):
        today = local_now(membership.hospital).date()
        if Appointment.objects.for_membership(membership).filter(date__lt=today).exists():
            continue
        doctor = membership.user
        for weeks, (rating, text) in enumerate(REVIEWS, start=1):
            patient = patients[(index + weeks) % len(patients)]
            day = _working_day(membership, today - timedelta(weeks=weeks), -1)
            visit = _seat(ctx, membership, patient, day, index, REASONS[weeks])
            if visit:
                services.confirm_appointment(appointment=visit, by=doctor)
                services.complete_appointment(appointment=visit, by=doctor)
                services.leave_review(appointment=visit, by=patient, rating=rating, text=text)
        missed = _seat(ctx, membership, patients[4], _working_day(membership, today - timedelta(days=10), -1),
                       4 + index, REASONS[4])
        if missed:
            services.mark_no_show(appointment=services.confirm_appointment(appointment=missed, by=doctor), by=doctor)
        dropped = _seat(ctx, membership, patients[3], _working_day(membership, today - timedelta(days=4), -1),
                        8 + index, REASONS[5])
        if dropped:
            # The patient cancelled well before the cut-off, back when the visit was still ahead.
            before = datetime.combine(dropped.date - timedelta(days=2), time(9), tzinfo=membership.hospital.tz)
            services.cancel_appointment(appointment=dropped, by=dropped.patient, reason="Travelling that week.",
                                        now=before)


def seed_upcoming(ctx: DemoContext) -> None:
    """The first demo patient's next visits, booked and confirmed the normal way."""
    patients = _patients(ctx)
    featured = _featured(ctx)
    if not patients or not featured:
        return
    patient = patients[0]
    if Appointment.objects.for_patient(patient).upcoming(timezone.localdate()).filter(date__gt=timezone.localdate()).exists():
        return
    for days, membership in zip((3, 6), featured):
        day = _working_day(membership, local_now(membership.hospital).date() + timedelta(days=days), 1)
        free = rule_slots(ScheduleRule.objects.for_membership(membership), day, membership.hospital.tz)
        if not free:
            continue
        try:
            appointment = services.book_appointment(patient=patient, membership=membership, day=day,
                                                    start=free[2].start, reason=REASONS[1])
        except services.AppointmentError:
            continue
        ctx.created[Appointment.__name__] += 1
        if days == 6 and appointment.status == Appointment.Status.REQUESTED:  # paid bookings: payments.demo
            services.confirm_appointment(appointment=appointment, by=membership.user)


STEPS = [seed_schedules, seed_history, seed_todays_queue, seed_upcoming]
