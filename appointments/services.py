"""Writes with rules for schedules, appointments, the queue and reviews. Views call these, never .save().

Every status move of an Appointment goes through exactly one function here: each reads the
appointment with ``healthstack.status.locked``, moves it with ``transition_to`` (which checks
``Appointment.TRANSITIONS`` and writes an AppointmentStatusChange) and tells the pages and
the people concerned (after commit, through realtime and notify()).
"""

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext

from healthstack.status import locked
from healthstack.templatetags.money import money
from hospitals.models import Membership
from notifications.services import notify
from payments import lifecycle

from . import realtime
from .models import (
    Appointment,
    AppointmentError,
    AppointmentReminder,
    DayOff,
    InvalidTransition,
    QueueState,
    Review,
    ScheduleRule,
)
from .payable import refund_appointment
from .slots import booking_window, local_now, rule_slots
from .summaries import next_token_on

Status = Appointment.Status
SLOT_TAKEN = "This slot was just taken. Please choose another time."

__all__ = ["AppointmentError", "InvalidTransition"]


# Schedules ------------------------------------------------------------------------------------

@transaction.atomic
def add_schedule_rule(*, membership: Membership, weekday: int, start_time: time, end_time: time,
                      slot_minutes: int) -> ScheduleRule:
    """Add weekly hours for a doctor membership.

    Raises AppointmentError when the hours are empty, shorter than one slot, or overlap the
    same doctor's hours on that weekday at any hospital (a doctor is in one place at a time).
    """
    if membership.role != Membership.Role.DOCTOR:
        raise AppointmentError("Only doctors have consulting hours.")
    if end_time <= start_time:
        raise AppointmentError("The end time must be after the start time.")
    length = datetime.combine(date.min, end_time) - datetime.combine(date.min, start_time)
    if not 5 <= slot_minutes <= 240 or timedelta(minutes=slot_minutes) > length:
        raise AppointmentError("A slot must be 5 to 240 minutes long and fit inside the hours.")
    # Lock the doctor's memberships so two overlapping rules cannot be added at once.
    list(Membership.objects.select_for_update().filter(user_id=membership.user_id, role=Membership.Role.DOCTOR))
    clash = (
        ScheduleRule.objects.filter(membership__user_id=membership.user_id, weekday=weekday,
                                    start_time__lt=end_time, end_time__gt=start_time)
        .select_related("hospital").first()
    )
    if clash:
        raise AppointmentError(
            f"These hours overlap {clash.get_weekday_display()} {clash.start_time:%H:%M}–{clash.end_time:%H:%M} "
            f"at {clash.hospital.name}. Change or remove those first."
        )
    return ScheduleRule.objects.create(
        hospital=membership.hospital, membership=membership, weekday=weekday,
        start_time=start_time, end_time=end_time, slot_minutes=slot_minutes,
    )


@transaction.atomic
def remove_schedule_rule(*, rule: ScheduleRule) -> None:
    """Remove weekly hours; appointments already booked in them stay booked."""
    rule.delete()


@transaction.atomic
def add_day_off(*, membership: Membership, day: date, reason: str = "") -> DayOff:
    """Mark a date off. Raises AppointmentError for a past date, a duplicate, or a date with active bookings."""
    if day < local_now(membership.hospital).date():
        raise AppointmentError("A day off cannot be in the past.")
    booked = Appointment.objects.for_membership(membership).on(day).active().count()
    if booked:
        raise AppointmentError(
            f"There are {booked} active appointments on {day:%d %b %Y}; ask reception to settle them first."
        )
    try:
        with transaction.atomic():
            return DayOff.objects.create(hospital=membership.hospital, membership=membership, date=day,
                                         reason=reason.strip())
    except IntegrityError as exc:
        raise AppointmentError("That date is already a day off.") from exc


@transaction.atomic
def remove_day_off(*, day_off: DayOff) -> None:
    day_off.delete()


# Notifications ------------------------------------------------------------------------------

def _context(appointment: Appointment, **extra) -> dict:
    return {
        "patient_name": appointment.patient.full_name,
        "doctor_name": appointment.membership.user.doctor_profile.display_name,
        "hospital_name": appointment.hospital.name,
        "when": f"{appointment.date:%a %d %b %Y} at {appointment.start_time:%H:%M}",
        "reason": appointment.status_reason,
        "token_number": appointment.token_number,
        **extra,
    }


def _group(appointment: Appointment) -> str:
    """The notification group of an appointment: later news about it replaces earlier news."""
    return f"appointment:{appointment.pk}"


def _notify_patient(appointment: Appointment, event: str, *, now: datetime | None = None, **extra) -> None:
    notify(appointment.patient, event, _context(appointment, **extra),
           url=reverse("appointments:detail", args=[appointment.pk]), group=_group(appointment), now=now)


def _notify_desk(appointment: Appointment, event: str) -> None:
    """Tell the hospital's receptionists (reception board) and the doctor (queue), each with their page."""
    slug = appointment.hospital.slug
    reception_url = f"{reverse('desk:reception', args=[slug])}?date={appointment.date:%Y-%m-%d}"
    receptionists = (
        Membership.objects.for_hospital(appointment.hospital).approved()
        .filter(role=Membership.Role.RECEPTIONIST).select_related("user")
    )
    context = _context(appointment)
    for member in receptionists:
        notify(member.user, event, dict(context, page="reception"), url=reception_url, group=_group(appointment))
    notify(appointment.membership.user, event, dict(context, page="queue"),
           url=reverse("desk:queue", args=[slug]), group=_group(appointment))


# Status moves --------------------------------------------------------------------------------

def _broadcast(appointment: Appointment, event: str) -> None:
    """The board, the queue, the patient's page and the display refresh (after commit)."""
    realtime.appointment_changed(
        appointment_id=appointment.pk, hospital_id=appointment.hospital_id, membership_id=appointment.membership_id,
        day=appointment.date, event=event,
    )


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise AppointmentError(message)
    return text


def _bookable_membership(membership: Membership) -> Membership:
    found = Membership.objects.bookable().select_related("hospital", "user", "user__doctor_profile").filter(
        pk=membership.pk
    ).first()
    if found is None:
        raise AppointmentError("This doctor is not taking bookings at this hospital.")
    return found


def _check_slot(membership: Membership, day: date, start: time, now: datetime):
    """Return the schedule slot at ``start`` on ``day`` or raise AppointmentError saying why not."""
    hospital = membership.hospital
    first, last = booking_window(hospital, now)
    if not first <= day <= last:
        raise AppointmentError(f"Choose a date between {first:%d %b} and {last:%d %b %Y}.")
    if DayOff.objects.for_membership(membership).filter(date=day).exists():
        raise AppointmentError("The doctor is not in on that day.")
    rules = ScheduleRule.objects.for_membership(membership).filter(weekday=day.weekday())
    slot = next((s for s in rule_slots(rules, day, hospital.tz) if s.start == start), None)
    if slot is None:
        raise AppointmentError("That time is not on the doctor's schedule.")
    if slot.starts_at <= now:
        raise AppointmentError("That time has already passed.")
    return slot


def _overlapping(queryset, starts_at: datetime, ends_at: datetime, day: date):
    """Appointments in ``queryset`` (near ``day``) whose time overlaps [starts_at, ends_at)."""
    nearby = queryset.filter(date__range=(day - timedelta(days=1), day + timedelta(days=1))).with_people()
    return [a for a in nearby if a.starts_at < ends_at and starts_at < a.ends_at]


def start_booking(appointment: Appointment, *, by) -> Appointment:
    """Where a new booking goes after its slot is held.

    A booking with a fee stays ``awaiting_payment`` (its hold runs until ``hold_expires_at``);
    ``request_appointment`` runs when the payment is confirmed (PayableAppointment). A free
    booking goes straight on to ``requested``.
    """
    if appointment.fee > 0:
        return appointment
    return request_appointment(appointment=appointment, by=by, reason="No advance payment needed.")


@transaction.atomic
def book_appointment(*, patient, membership: Membership, day: date, start: time, reason: str,
                     now: datetime | None = None) -> Appointment:
    """Book ``start`` on ``day`` with a doctor membership for ``patient``; return the appointment.

    Locks the patient's user row (so one patient's bookings are serialised) and relies on the
    active-slot UniqueConstraint for races between patients. Raises AppointmentError for a
    patient without a patient profile, an unbookable doctor, a slot outside the window, on a
    day off, off the schedule or in the past, a slot taken (SLOT_TAKEN), or an overlap with
    the patient's own active appointments.
    """
    now = now or timezone.now()
    if not getattr(patient, "is_patient", False):
        raise AppointmentError("Only patients can book appointments. Sign up as a patient first.")
    reason = _required(reason, "Tell the doctor the reason for your visit.")
    membership = _bookable_membership(membership)
    if membership.user_id == patient.pk:
        raise AppointmentError("You cannot book an appointment with yourself.")
    slot = _check_slot(membership, day, start, now)
    try:
        lifecycle.check_minimum(membership.consultation_fee, membership.currency)
    except lifecycle.AmountTooSmall as error:
        raise AppointmentError(error.message) from None
    expire_stale_holds(now=now, membership=membership, day=day)
    get_user_model().objects.select_for_update().filter(pk=patient.pk).first()
    own = _overlapping(Appointment.objects.for_patient(patient).active(), slot.starts_at, slot.ends_at, day)
    if own:
        clash = own[0]
        raise AppointmentError(
            f"You already have an appointment with {clash.membership.user.full_name} at "
            f"{clash.start_time:%H:%M} that day. Cancel it first or choose another time."
        )
    if _overlapping(Appointment.objects.for_membership(membership).active(), slot.starts_at, slot.ends_at, day):
        raise AppointmentError(SLOT_TAKEN)
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                hospital=membership.hospital, patient=patient, membership=membership, date=day,
                start_time=slot.start, end_time=slot.end, reason=reason, status=Status.AWAITING_PAYMENT,
                fee=membership.consultation_fee, currency=membership.currency,
                hold_expires_at=lifecycle.hold_expires_at(now),
            )
    except IntegrityError as exc:
        raise AppointmentError(SLOT_TAKEN) from exc
    appointment.record_status(from_status="", by=patient)
    _broadcast(appointment, appointment.status)
    return start_booking(locked(appointment, Appointment.objects.with_people()), by=patient)


@transaction.atomic
def request_appointment(*, appointment: Appointment, by, reason: str = "", paid: bool = False) -> Appointment:
    """awaiting_payment → requested (paid, or nothing to pay): the hospital now sees the booking.

    Locks the appointment; notifies the patient (received, saying it is paid when ``paid``)
    and the desk (new booking).
    """
    appointment = locked(appointment, Appointment.objects.with_people())
    appointment.check_can_become(Status.REQUESTED)
    appointment.hold_expires_at = None
    appointment.transition_to(Status.REQUESTED, by=by, reason=reason, fields=["hold_expires_at"])
    _broadcast(appointment, Status.REQUESTED)
    _notify_patient(appointment, "booking_received",
                    paid_amount=money(appointment.fee, appointment.currency) if paid else "")
    _notify_desk(appointment, "booking_new")
    return appointment


def _lock_queue(appointment_or_membership, day: date) -> QueueState:
    membership = getattr(appointment_or_membership, "membership", appointment_or_membership)
    QueueState.objects.get_or_create(membership=membership, date=day, defaults={"hospital_id": membership.hospital_id})
    return QueueState.objects.select_for_update().get(membership=membership, date=day)


@transaction.atomic
def confirm_appointment(*, appointment: Appointment, by) -> Appointment:
    """requested → confirmed with the doctor's next token number for that day (1, 2, 3…).

    Locks the appointment, then the doctor's QueueState row for the day, so concurrent
    confirmations number without gaps or duplicates (the token UniqueConstraint backs this).
    """
    appointment = locked(appointment, Appointment.objects.with_people())
    appointment.check_can_become(Status.CONFIRMED)
    _lock_queue(appointment, appointment.date)
    highest = (
        Appointment.objects.for_membership(appointment.membership).on(appointment.date)
        .aggregate(highest=Max("token_number"))["highest"]
    )
    appointment.token_number = (highest or 0) + 1
    appointment.transition_to(Status.CONFIRMED, by=by, fields=["token_number"])
    _broadcast(appointment, Status.CONFIRMED)
    _notify_patient(appointment, "appointment_confirmed")
    return appointment


@transaction.atomic
def reject_appointment(*, appointment: Appointment, by, reason: str) -> Appointment:
    """requested → rejected, with a reason the patient is told."""
    reason = _required(reason, "Give the patient a reason.")
    appointment = locked(appointment, Appointment.objects.with_people())
    appointment.check_can_become(Status.REJECTED)
    appointment.status_reason = reason
    appointment.transition_to(Status.REJECTED, by=by, reason=reason, fields=["status_reason"])
    _broadcast(appointment, Status.REJECTED)
    _notify_patient(appointment, "appointment_rejected")
    refund_appointment(appointment, reason=f"Not accepted by the hospital: {reason}", by=by)
    return appointment


@transaction.atomic
def cancel_appointment(*, appointment: Appointment, by, reason: str, now: datetime | None = None) -> Appointment:
    """The patient cancels an awaiting-payment, requested or confirmed appointment before the cut-off.

    The cut-off is the hospital's ``cancellation_cutoff_hours`` before the slot. Notifies the
    patient and the desk. Raises AppointmentError for someone else, after the cut-off, or a
    status that cannot be cancelled.
    """
    appointment = locked(appointment, Appointment.objects.with_people())
    if appointment.patient_id != by.pk:
        raise AppointmentError("Only the patient can cancel this appointment.")
    reason = _required(reason, "Tell the hospital why you are cancelling.")
    appointment.check_can_become(Status.CANCELLED)
    if (now or timezone.now()) >= appointment.cancellable_until:
        raise AppointmentError(
            f"{appointment.hospital.name} accepts cancellations until "
            f"{appointment.hospital.cancellation_cutoff_hours} hours before the appointment; please call them."
        )
    appointment.status_reason = reason
    appointment.transition_to(Status.CANCELLED, by=by, reason=reason, fields=["status_reason"])
    _broadcast(appointment, Status.CANCELLED)
    _notify_patient(appointment, "appointment_cancelled")
    _notify_desk(appointment, "appointment_cancelled_staff")
    refund_appointment(appointment, reason=f"Cancelled by the patient before the cut-off: {reason}", by=by)
    return appointment


@transaction.atomic
def mark_arrived(*, appointment: Appointment, by, now: datetime | None = None) -> Appointment:
    """Record that the patient of a requested or confirmed appointment is at the desk (once)."""
    appointment = locked(appointment, Appointment.objects.with_people())
    if appointment.status not in (Status.REQUESTED, Status.CONFIRMED):
        raise AppointmentError(
            f"This appointment is {appointment.get_status_display().lower()}; arrival cannot be recorded."
        )
    if appointment.arrived_at:
        raise AppointmentError("This patient is already marked as arrived.")
    if appointment.date != local_now(appointment.hospital, now).date():
        raise AppointmentError("Arrival can only be recorded on the day of the appointment.")
    appointment.arrived_at = now or timezone.now()
    appointment.save(update_fields=["arrived_at"])
    appointment.record_status(from_status=appointment.status, by=by, reason="Arrived at the desk.")
    _broadcast(appointment, "updated")
    return appointment


@transaction.atomic
def complete_appointment(*, appointment: Appointment, by) -> Appointment:
    """confirmed → completed: the doctor has seen the patient."""
    appointment = locked(appointment, Appointment.objects.with_people())
    appointment.transition_to(Status.COMPLETED, by=by)
    _broadcast(appointment, Status.COMPLETED)
    _notify_patient(appointment, "appointment_completed")
    return appointment


@transaction.atomic
def mark_no_show(*, appointment: Appointment, by, now: datetime | None = None) -> Appointment:
    """confirmed → no_show: the patient did not come. Notifies the patient.

    Locks the appointment. Raises AppointmentError before the slot's start in the hospital's
    zone (until then the patient may still come), once the patient has been marked arrived, and
    for a status that cannot become no_show.
    """
    appointment = locked(appointment, Appointment.objects.with_people())
    appointment.check_can_become(Status.NO_SHOW)
    if appointment.arrived_at is not None:
        raise AppointmentError(gettext("The patient has arrived for this visit, so it cannot be marked as a no-show."))
    if not appointment.has_started(now):
        raise AppointmentError(gettext(
            "This visit starts at %(time)s on %(day)s; the patient can be marked as a no-show only from then."
        ) % {"time": time_format(appointment.start_time, "H:i"), "day": date_format(appointment.date, "D j M Y")})
    appointment.transition_to(Status.NO_SHOW, by=by)
    _broadcast(appointment, Status.NO_SHOW)
    _notify_patient(appointment, "appointment_no_show")
    return appointment


@transaction.atomic
def expire_appointment(*, appointment: Appointment, by=None) -> Appointment:
    """awaiting_payment → expired: the payment hold ran out and the slot is free again."""
    appointment = locked(appointment, Appointment.objects.with_people())
    appointment.check_can_become(Status.EXPIRED)
    appointment.hold_expires_at = None
    appointment.transition_to(Status.EXPIRED, by=by, reason="Payment not received in time.",
                              fields=["hold_expires_at"])
    _broadcast(appointment, Status.EXPIRED)
    _notify_patient(appointment, "appointment_expired")
    return appointment


def expire_stale_holds(*, now: datetime | None = None, membership: Membership | None = None,
                       day: date | None = None) -> int:
    """Expire every awaiting-payment booking whose hold has run out (optionally one doctor/day); return how many.

    Run by the ``expire_holds`` command and before a booking takes a slot, never by a page view
    (pages read ``Appointment.payment_time_ran_out``). Nothing stale costs one query and no transaction.
    """
    stale = Appointment.objects.stale_holds(now or timezone.now())
    if membership is not None:
        stale = stale.for_membership(membership)
    if day is not None:
        stale = stale.on(day)
    stale_ids = list(stale.values_list("pk", flat=True)[:500])
    if not stale_ids:
        return 0
    expired = 0
    with transaction.atomic():
        for appointment in stale.filter(pk__in=stale_ids).select_for_update(skip_locked=True):
            expire_appointment(appointment=appointment)
            expired += 1
    return expired


@transaction.atomic
def call_next(*, membership: Membership, by, day: date | None = None) -> Appointment:
    """Set the doctor's "now serving" to the next confirmed token of the day; return that appointment.

    Tells that patient it is their turn and the holder of the following token that they are
    next. Locks the doctor's QueueState row. Raises AppointmentError when nobody is waiting.
    """
    day = day or local_now(membership.hospital).date()
    queue = _lock_queue(membership, day)
    waiting = (
        Appointment.objects.for_membership(membership).on(day).filter(status=Status.CONFIRMED)
        .filter(Q(token_number__gt=queue.now_serving or 0)).order_by("token_number").with_people()
    )
    appointment = waiting.first()
    if appointment is None:
        raise AppointmentError("Nobody with a later token is waiting.")
    queue.now_serving = appointment.token_number
    queue.save(update_fields=["now_serving", "updated_at"])
    realtime.appointment_changed(appointment_id=appointment.pk, hospital_id=appointment.hospital_id,
                                 membership_id=membership.pk, day=day, event="now_serving",
                                 now_serving=queue.now_serving)
    _notify_patient(appointment, "appointment_called")
    following = next_token_on(membership.pk, day, queue.now_serving)
    if following is not None:  # their turn comes when the doctor calls them; for now they are next
        upcoming = Appointment.objects.for_membership(membership).on(day).with_people().get(token_number=following)
        _notify_patient(upcoming, "appointment_next")
    return appointment


@transaction.atomic
def leave_review(*, appointment: Appointment, by, rating: int, text: str = "") -> Review:
    """The patient rates a completed appointment's doctor 1–5, once per appointment."""
    appointment = locked(appointment, Appointment.objects.with_people())
    if appointment.patient_id != by.pk:
        raise AppointmentError("Only the patient of this appointment can review it.")
    if appointment.status != Status.COMPLETED:
        raise AppointmentError("You can review a visit once it is completed.")
    if not 1 <= int(rating) <= 5:
        raise AppointmentError("Choose a rating from 1 to 5.")
    try:
        with transaction.atomic():
            return Review.objects.create(
                hospital_id=appointment.hospital_id, appointment=appointment, membership_id=appointment.membership_id,
                patient=by, rating=int(rating), text=text.strip(),
            )
    except IntegrityError as exc:
        raise AppointmentError("You have already reviewed this visit.") from exc


# Reminders ----------------------------------------------------------------------------------

def send_due_reminders(*, now: datetime | None = None) -> int:
    """Remind patients of confirmed visits 24 hours and 2 hours before; return how many were sent.

    A kind is due from its lead time before the start until the start (the 24-hour one only
    until the 2-hour one takes over), and only for a booking made before that lead time began
    (a visit booked this morning for tonight gets the 2-hour reminder, not both). Each
    reminder is sent exactly once: its ``AppointmentReminder`` row, the notification and the
    email are written in one transaction, the pair (appointment, kind) is unique, and the
    appointment is re-read under lock so a visit cancelled meanwhile is not reminded.
    Run every minute by ``appointments.tasks``; safe to run twice at once.
    """
    now = now or timezone.now()
    Kind = AppointmentReminder.Kind
    leads = AppointmentReminder.LEADS
    candidates = (
        Appointment.objects.filter(status=Appointment.Status.CONFIRMED, arrived_at__isnull=True,
                                   date__gte=(now - timedelta(days=1)).date(),
                                   date__lte=(now + leads[Kind.DAY_BEFORE] + timedelta(days=1)).date())
        .select_related("hospital").prefetch_related("reminders")
    )
    due = []
    for appointment in candidates:
        starts_at, sent = appointment.starts_at, {reminder.kind for reminder in appointment.reminders.all()}
        for kind, lead in leads.items():
            until = starts_at - leads[Kind.SOON] if kind == Kind.DAY_BEFORE else starts_at
            if kind not in sent and starts_at - lead <= now < until and appointment.created_at <= starts_at - lead:
                due.append((appointment, kind))
    return sum(_send_reminder(appointment, kind, now=now) for appointment, kind in due)


def _send_reminder(appointment: Appointment, kind: str, *, now: datetime) -> bool:
    try:
        with transaction.atomic():
            appointment = locked(appointment, Appointment.objects.with_people())
            if appointment.status != Appointment.Status.CONFIRMED or appointment.arrived_at:
                return False
            AppointmentReminder.objects.create(appointment=appointment, kind=kind, sent_at=now)
            lead = AppointmentReminder.Kind(kind).label
            _notify_patient(appointment, "appointment_reminder", lead=lead, now=now)
    except IntegrityError:  # another consumer sent this one first
        return False
    return True
