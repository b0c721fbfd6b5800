from datetime import datetime, time, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from accounts.tests.factories import PatientFactory
from appointments import services
from appointments.models import Appointment, AppointmentStatusChange, DayOff, QueueState, Review, ScheduleRule
from appointments.services import AppointmentError
from appointments.slots import local_now
from appointments.tests.factories import DayOffFactory, ScheduleRuleFactory
from hospitals.tests.factories import HospitalFactory, MembershipFactory
from notifications.models import Notification

Status = Appointment.Status
pytestmark = pytest.mark.django_db


def book(patient, membership, day, start=time(9, 0), reason="Fever for three days", **kwargs):
    return services.book_appointment(patient=patient, membership=membership, day=day, start=start, reason=reason,
                                     **kwargs)


# Booking -------------------------------------------------------------------------------------

@pytest.fixture
def free_consultation(doctor_membership):
    """A fee of zero: the booking goes straight on to requested (with a fee it waits for payment first)."""
    doctor_membership.consultation_fee = Decimal("0.00")
    doctor_membership.save(update_fields=["consultation_fee"])


@pytest.mark.usefixtures("free_consultation")
def test_book_appointment_goes_to_requested_with_history_and_fee(patient, doctor_membership, booking_day):
    appointment = book(patient, doctor_membership, booking_day, time(9, 15))

    appointment.refresh_from_db()
    assert appointment.status == Status.REQUESTED
    assert (appointment.start_time, appointment.end_time) == (time(9, 15), time(9, 30))
    assert appointment.fee == doctor_membership.consultation_fee and appointment.currency == "BDT"
    assert appointment.hospital_id == doctor_membership.hospital_id
    assert appointment.hold_expires_at is None
    moves = list(appointment.status_changes.values_list("from_status", "to_status"))
    assert moves == [("", Status.AWAITING_PAYMENT), (Status.AWAITING_PAYMENT, Status.REQUESTED)]


@pytest.mark.usefixtures("free_consultation")
def test_book_appointment_notifies_patient_receptionists_and_doctor(
    patient, doctor_membership, booking_day, receptionist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book(patient, doctor_membership, booking_day)

    assert Notification.objects.get(user=patient).event == "booking_received"
    assert Notification.objects.get(user=receptionist).event == "booking_new"
    assert Notification.objects.get(user=doctor_membership.user).event == "booking_new"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([patient.email, receptionist.email, doctor_membership.user.email])
    assert "Ayesha Rahman" in next(m.subject for m in mail.outbox if m.to == [receptionist.email])


@pytest.mark.parametrize(
    "case, message",
    [
        ("past", "already passed"),
        ("beyond_window", "Choose a date between"),
        ("day_off", "not in on that day"),
        ("off_schedule", "not on the doctor's schedule"),
        ("rule_remainder", "not on the doctor's schedule"),
        ("no_reason", "reason for your visit"),
    ],
)
def test_book_appointment_bad_input_is_refused(case, message, patient, doctor_membership, booking_day):
    day, start, reason, now = booking_day, time(9, 0), "Cough", None
    if case == "past":
        now = datetime.combine(booking_day, time(10, 0), tzinfo=doctor_membership.hospital.tz)
    elif case == "beyond_window":
        day = booking_day + timedelta(days=35)
        ScheduleRuleFactory(membership=doctor_membership, weekday=day.weekday(), start_time=time(14), end_time=time(16))
    elif case == "day_off":
        DayOffFactory(membership=doctor_membership, date=booking_day)
    elif case == "off_schedule":
        start = time(9, 7)
    elif case == "rule_remainder":
        start = time(13, 0)
    elif case == "no_reason":
        reason = "   "

    with pytest.raises(AppointmentError, match=message):
        book(patient, doctor_membership, day, start, reason=reason, now=now)
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("change", ["pending", "suspended", "hospital_unlisted", "department_inactive"])
def test_book_appointment_refuses_doctor_not_bookable(change, patient, doctor_membership, booking_day):
    if change in ("pending", "suspended"):
        doctor_membership.status = change
        doctor_membership.save()
    elif change == "hospital_unlisted":
        doctor_membership.hospital.status = "suspended"
        doctor_membership.hospital.save()
    else:
        doctor_membership.department.is_active = False
        doctor_membership.department.save()

    with pytest.raises(AppointmentError, match="not taking bookings"):
        book(patient, doctor_membership, booking_day)


def test_book_appointment_refuses_user_without_patient_profile(doctor_membership, booking_day, receptionist):
    with pytest.raises(AppointmentError, match="Only patients"):
        book(receptionist, doctor_membership, booking_day)


def test_book_appointment_with_a_fee_under_the_gateways_smallest_payment_is_refused(patient, doctor_membership,
                                                                                    booking_day):
    doctor_membership.consultation_fee = Decimal("9.99")
    doctor_membership.save(update_fields=["consultation_fee"])

    with pytest.raises(AppointmentError, match="smallest amount that can be paid online is BDT 10.00"):
        book(patient, doctor_membership, booking_day)
    assert not Appointment.objects.exists()


def test_book_appointment_refuses_taken_slot(patient, doctor_membership, booking_day):
    book(PatientFactory(), doctor_membership, booking_day)
    with pytest.raises(AppointmentError, match="just taken"):
        book(patient, doctor_membership, booking_day)
    assert Appointment.objects.count() == 1


def test_book_appointment_turns_integrity_error_into_slot_taken(patient, doctor_membership, booking_day):
    # Another transaction won the race after our checks ran: the constraint decides.
    book(PatientFactory(), doctor_membership, booking_day)
    with mock.patch("appointments.services._overlapping", return_value=[]):
        with pytest.raises(AppointmentError) as caught:
            book(patient, doctor_membership, booking_day)
    assert str(caught.value) == services.SLOT_TAKEN
    assert Appointment.objects.count() == 1


@pytest.mark.usefixtures("free_consultation")
def test_book_appointment_after_cancellation_frees_the_slot(patient, doctor_membership, booking_day):
    first = book(PatientFactory(), doctor_membership, booking_day)
    services.cancel_appointment(appointment=first, by=first.patient, reason="Travelling")
    assert book(patient, doctor_membership, booking_day).status == Status.REQUESTED


@pytest.mark.usefixtures("free_consultation")
def test_book_appointment_refuses_overlap_with_patients_own_appointment(patient, doctor_membership, booking_day):
    other_doctor = MembershipFactory(hospital=doctor_membership.hospital, consultation_fee=Decimal("0.00"))
    ScheduleRuleFactory(membership=other_doctor, weekday=booking_day.weekday(), start_time=time(9, 10),
                        end_time=time(12, 0), slot_minutes=20)
    book(patient, doctor_membership, booking_day, time(9, 0))

    with pytest.raises(AppointmentError, match="already have an appointment"):
        book(patient, other_doctor, booking_day, time(9, 10))
    assert book(patient, other_doctor, booking_day, time(9, 30)).status == Status.REQUESTED


@pytest.mark.usefixtures("free_consultation")
def test_book_appointment_expires_a_stale_hold_on_the_slot(patient, doctor_membership, booking_day, make_appointment):
    held = make_appointment(status=Status.AWAITING_PAYMENT, patient=PatientFactory(),
                            hold_expires_at=local_now(doctor_membership.hospital) - timedelta(minutes=1))

    appointment = book(patient, doctor_membership, booking_day)

    held.refresh_from_db()
    assert held.status == Status.EXPIRED and appointment.status == Status.REQUESTED


def test_book_appointment_with_oneself_is_refused(doctor_membership, booking_day):
    from accounts.tests.factories import PatientProfileFactory

    PatientProfileFactory(user=doctor_membership.user)
    with pytest.raises(AppointmentError, match="yourself"):
        book(doctor_membership.user, doctor_membership, booking_day)


# Transitions -----------------------------------------------------------------------------

def _run(target, appointment, *, patient, staff):
    calls = {
        Status.REQUESTED: lambda: services.request_appointment(appointment=appointment, by=patient),
        Status.CONFIRMED: lambda: services.confirm_appointment(appointment=appointment, by=staff),
        Status.REJECTED: lambda: services.reject_appointment(appointment=appointment, by=staff, reason="Doctor away"),
        Status.CANCELLED: lambda: services.cancel_appointment(appointment=appointment, by=patient, reason="Better"),
        Status.COMPLETED: lambda: services.complete_appointment(appointment=appointment, by=staff),
        Status.NO_SHOW: lambda: services.mark_no_show(appointment=appointment, by=staff, now=appointment.starts_at),
        Status.EXPIRED: lambda: services.expire_appointment(appointment=appointment),
    }
    return calls[target]()


ALLOWED = [(source, target) for source, targets in Appointment.TRANSITIONS.items() for target in sorted(targets)]
TARGETS = [Status.REQUESTED, Status.CONFIRMED, Status.REJECTED, Status.CANCELLED, Status.COMPLETED, Status.NO_SHOW,
           Status.EXPIRED]
FORBIDDEN = [(source, target) for source in Status.values for target in TARGETS
             if target not in Appointment.TRANSITIONS.get(source, ())]


def test_transition_tables_cover_the_design():
    assert set(ALLOWED) == {
        ("awaiting_payment", "requested"), ("awaiting_payment", "cancelled"), ("awaiting_payment", "expired"),
        ("requested", "confirmed"), ("requested", "rejected"), ("requested", "cancelled"),
        ("confirmed", "completed"), ("confirmed", "no_show"), ("confirmed", "cancelled"),
    }
    assert len(FORBIDDEN) == len(Status.values) * len(TARGETS) - len(ALLOWED)


@pytest.mark.parametrize("source, target", ALLOWED)
def test_allowed_transition(source, target, make_appointment, patient, receptionist):
    token = 7 if source == Status.CONFIRMED else None
    appointment = make_appointment(status=source, token_number=token)

    result = _run(target, appointment, patient=patient, staff=receptionist)

    appointment.refresh_from_db()
    assert appointment.status == result.status == target
    change = AppointmentStatusChange.objects.get(appointment=appointment)
    assert (change.from_status, change.to_status) == (source, target)
    assert change.by in (patient, receptionist, None)
    assert change.hospital_id == appointment.hospital_id


@pytest.mark.parametrize("source, target", FORBIDDEN)
def test_forbidden_transition(source, target, make_appointment, patient, receptionist):
    appointment = make_appointment(status=source)

    with pytest.raises(AppointmentError, match="it cannot be"):
        _run(target, appointment, patient=patient, staff=receptionist)

    appointment.refresh_from_db()
    assert appointment.status == source and appointment.token_number is None
    assert not AppointmentStatusChange.objects.exists()


def test_confirming_a_cancelled_appointment_says_why(make_appointment, receptionist):
    appointment = make_appointment(status=Status.CANCELLED)
    with pytest.raises(AppointmentError, match="This appointment is cancelled; it cannot be confirmed."):
        services.confirm_appointment(appointment=appointment, by=receptionist)


# Tokens and the queue ----------------------------------------------------------------------

def test_confirm_gives_tokens_per_doctor_per_day(make_appointment, receptionist, doctor_membership, booking_day):
    same_day = [make_appointment(start=time(9, 15 * i), patient=PatientFactory()) for i in range(3)]
    next_day = make_appointment(date=booking_day + timedelta(days=7))
    other_doctor = make_appointment(membership=MembershipFactory(hospital=doctor_membership.hospital))

    tokens = [services.confirm_appointment(appointment=a, by=receptionist).token_number for a in same_day]

    assert tokens == [1, 2, 3]
    assert services.confirm_appointment(appointment=next_day, by=receptionist).token_number == 1
    assert services.confirm_appointment(appointment=other_doctor, by=receptionist).token_number == 1
    assert QueueState.objects.filter(membership=doctor_membership, date=booking_day).count() == 1


def test_a_cancelled_token_is_never_given_again(make_appointment, receptionist, patient):
    first = services.confirm_appointment(appointment=make_appointment(), by=receptionist)
    services.cancel_appointment(appointment=first, by=patient, reason="Feeling better")

    second = services.confirm_appointment(appointment=make_appointment(start=time(9, 30)), by=receptionist)

    assert second.token_number == 2


def test_token_uniqueness_is_a_database_constraint(make_appointment):
    make_appointment(token_number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_appointment(start=time(10, 0), token_number=1, patient=PatientFactory())


def test_active_slot_uniqueness_is_a_database_constraint(make_appointment):
    make_appointment(status=Status.CANCELLED)
    make_appointment(status=Status.REQUESTED, patient=PatientFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        make_appointment(status=Status.CONFIRMED, patient=PatientFactory())


def test_call_next_walks_confirmed_tokens(make_appointment, doctor_membership, booking_day, receptionist):
    confirmed = [services.confirm_appointment(appointment=make_appointment(start=time(9, 15 * i),
                                                                           patient=PatientFactory()), by=receptionist)
                 for i in range(3)]
    services.cancel_appointment(appointment=confirmed[1], by=confirmed[1].patient, reason="Can't come")
    doctor = doctor_membership.user

    assert services.call_next(membership=doctor_membership, by=doctor, day=booking_day).token_number == 1
    assert services.call_next(membership=doctor_membership, by=doctor, day=booking_day).token_number == 3
    with pytest.raises(AppointmentError, match="Nobody"):
        services.call_next(membership=doctor_membership, by=doctor, day=booking_day)
    assert QueueState.objects.get(membership=doctor_membership, date=booking_day).now_serving == 3
    assert Notification.objects.filter(event="appointment_called").count() == 2


def test_mark_arrived_records_once_on_the_day(make_appointment, receptionist, doctor_membership):
    appointment = make_appointment(status=Status.CONFIRMED, token_number=1)
    with pytest.raises(AppointmentError, match="on the day"):
        services.mark_arrived(appointment=appointment, by=receptionist)
    appointment.date = local_now(doctor_membership.hospital).date()
    appointment.save()

    services.mark_arrived(appointment=appointment, by=receptionist)

    appointment.refresh_from_db()
    assert appointment.arrived_at is not None
    assert appointment.status_changes.get().reason == "Arrived at the desk."
    with pytest.raises(AppointmentError, match="already marked"):
        services.mark_arrived(appointment=appointment, by=receptionist)


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.COMPLETED, Status.AWAITING_PAYMENT, Status.REJECTED])
def test_mark_arrived_refused_for_closed_or_unpaid(status, make_appointment, receptionist):
    with pytest.raises(AppointmentError, match="arrival cannot be recorded"):
        services.mark_arrived(appointment=make_appointment(status=status), by=receptionist)


# Cancellation cut-off, expiry -------------------------------------------------------------

def test_cancel_before_cutoff_is_allowed_and_after_is_refused(make_appointment, patient, doctor_membership):
    hospital = doctor_membership.hospital
    hospital.cancellation_cutoff_hours = 6
    hospital.save()
    appointment = make_appointment(status=Status.CONFIRMED, token_number=1)
    starts_at = appointment.starts_at

    with pytest.raises(AppointmentError, match="until 6 hours before"):
        services.cancel_appointment(appointment=appointment, by=patient, reason="Late", now=starts_at - timedelta(hours=5))
    with pytest.raises(AppointmentError, match="until 6 hours before"):
        services.cancel_appointment(appointment=appointment, by=patient, reason="Late", now=starts_at - timedelta(hours=6))

    services.cancel_appointment(appointment=appointment, by=patient, reason="Early", now=starts_at - timedelta(hours=7))
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED and appointment.status_reason == "Early"


def test_cancel_by_someone_else_is_refused(make_appointment, receptionist):
    with pytest.raises(AppointmentError, match="Only the patient"):
        services.cancel_appointment(appointment=make_appointment(), by=receptionist, reason="x")


def test_cancel_needs_a_reason(make_appointment, patient):
    with pytest.raises(AppointmentError, match="why you are cancelling"):
        services.cancel_appointment(appointment=make_appointment(), by=patient, reason=" ")


def test_reject_needs_a_reason(make_appointment, receptionist):
    with pytest.raises(AppointmentError, match="reason"):
        services.reject_appointment(appointment=make_appointment(), by=receptionist, reason="")


def test_expire_stale_holds_only_expires_past_holds(make_appointment, doctor_membership):
    now = local_now(doctor_membership.hospital)
    stale = make_appointment(status=Status.AWAITING_PAYMENT, hold_expires_at=now - timedelta(seconds=1))
    fresh = make_appointment(status=Status.AWAITING_PAYMENT, start=time(10, 0), hold_expires_at=now + timedelta(minutes=5))

    assert services.expire_stale_holds(now=now) == 1

    stale.refresh_from_db(), fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (Status.EXPIRED, Status.AWAITING_PAYMENT)


# Notifications ------------------------------------------------------------------------------

def test_confirm_emails_the_token(make_appointment, patient, receptionist, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_appointment(appointment=make_appointment(), by=receptionist)

    (message,) = mail.outbox
    assert message.to == [patient.email]
    assert "token 1" in message.subject and "Token number: 1" in message.body


def test_reject_emails_the_reason(make_appointment, patient, receptionist, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_appointment(appointment=make_appointment(), by=receptionist, reason="Doctor on leave")

    (message,) = mail.outbox
    assert message.to == [patient.email] and "Reason: Doctor on leave" in message.body


def test_cancel_tells_patient_desk_and_doctor(make_appointment, patient, receptionist, doctor,
                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=make_appointment(), by=patient, reason="Travelling")

    assert sorted(m.to[0] for m in mail.outbox) == sorted([patient.email, receptionist.email, doctor.email])
    assert Notification.objects.get(user=receptionist).event == "appointment_cancelled_staff"
    assert Notification.objects.get(user=patient).event == "appointment_cancelled"


# Reviews --------------------------------------------------------------------------------------

def test_leave_review_once_after_completion(make_appointment, patient):
    appointment = make_appointment(status=Status.COMPLETED, token_number=1)

    review = services.leave_review(appointment=appointment, by=patient, rating=4, text=" Kind and clear. ")

    assert (review.rating, review.text, review.membership_id) == (4, "Kind and clear.", appointment.membership_id)
    with pytest.raises(AppointmentError, match="already reviewed"):
        services.leave_review(appointment=appointment, by=patient, rating=5)


@pytest.mark.parametrize("case", ["not_completed", "someone_else", "rating_too_high", "rating_zero"])
def test_leave_review_refused(case, make_appointment, patient, receptionist):
    appointment = make_appointment(status=Status.CONFIRMED if case == "not_completed" else Status.COMPLETED)
    by = receptionist if case == "someone_else" else patient
    rating = {"rating_too_high": 6, "rating_zero": 0}.get(case, 5)

    with pytest.raises(AppointmentError):
        services.leave_review(appointment=appointment, by=by, rating=rating)
    assert not Review.objects.exists()


def test_review_rating_is_a_database_constraint(make_appointment, patient):
    appointment = make_appointment(status=Status.COMPLETED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(hospital=appointment.hospital, appointment=appointment,
                              membership=appointment.membership, patient=patient, rating=9)


# Schedules -----------------------------------------------------------------------------------

def rule(membership, weekday=6, start=time(9), end=time(13), minutes=15):
    return services.add_schedule_rule(membership=membership, weekday=weekday, start_time=start, end_time=end,
                                      slot_minutes=minutes)


def test_add_schedule_rule_refuses_overlap_and_allows_adjacent(doctor_membership):
    rule(doctor_membership)

    with pytest.raises(AppointmentError, match="overlap Sunday 09:00–13:00"):
        rule(doctor_membership, start=time(12, 45), end=time(14))
    with pytest.raises(AppointmentError, match="overlap"):
        rule(doctor_membership, start=time(8), end=time(17))
    rule(doctor_membership, start=time(13), end=time(15))
    rule(doctor_membership, weekday=0, start=time(9), end=time(13))
    assert ScheduleRule.objects.count() == 3


def test_add_schedule_rule_refuses_overlap_at_the_doctors_other_hospital(doctor_membership):
    elsewhere = MembershipFactory(user=doctor_membership.user, hospital=HospitalFactory(name="Square Hospital"))
    rule(elsewhere, start=time(10), end=time(12))

    with pytest.raises(AppointmentError, match="at Square Hospital"):
        rule(doctor_membership)


@pytest.mark.parametrize(
    "start, end, minutes, message",
    [(time(13), time(9), 15, "end time"), (time(9), time(9), 15, "end time"), (time(9), time(9, 10), 15, "fit"),
     (time(9), time(13), 2, "5 to 240")],
)
def test_add_schedule_rule_refuses_bad_hours(doctor_membership, start, end, minutes, message):
    with pytest.raises(AppointmentError, match=message):
        rule(doctor_membership, start=start, end=end, minutes=minutes)


def test_add_schedule_rule_only_for_doctors(hospital, receptionist):
    membership = receptionist.memberships.get()
    with pytest.raises(AppointmentError, match="Only doctors"):
        rule(membership)


def test_add_day_off_refuses_past_duplicate_and_booked_dates(doctor_membership, make_appointment, booking_day):
    today = local_now(doctor_membership.hospital).date()
    with pytest.raises(AppointmentError, match="past"):
        services.add_day_off(membership=doctor_membership, day=today - timedelta(days=1))
    services.add_day_off(membership=doctor_membership, day=today + timedelta(days=1), reason="Conference")
    with pytest.raises(AppointmentError, match="already a day off"):
        services.add_day_off(membership=doctor_membership, day=today + timedelta(days=1))
    make_appointment()
    with pytest.raises(AppointmentError, match="1 active appointments"):
        services.add_day_off(membership=doctor_membership, day=booking_day)
    assert DayOff.objects.count() == 1
