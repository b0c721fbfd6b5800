from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from healthstack import status as machine
from hospitals.models import Hospital, HospitalScopedQuerySet, Membership

from .payable import PayableAppointment


class AppointmentError(Exception):
    """A booking, schedule or status change that is not allowed; the message is shown to the user."""


class InvalidTransition(AppointmentError, machine.InvalidTransition):
    """An appointment was asked to move to a status its current one does not lead to."""


class Weekday(models.IntegerChoices):
    """Python's ``date.weekday()`` numbering; the Bangladesh week starts on Sunday."""

    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ScopedQuerySet(HospitalScopedQuerySet):
    """Reads for rows that belong to a hospital and a staff membership there."""

    def for_membership(self, membership):
        return self.filter(membership=membership)


class ScheduleRule(models.Model):
    """A doctor's weekly consulting hours at one hospital, cut into slots of ``slot_minutes``."""

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="schedule_rules")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    slot_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="schedule_rule_ends_after_start"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=5, slot_minutes__lte=240), name="schedule_rule_slot_length"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M} ({self.slot_minutes} min)"


class DayOff(models.Model):
    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="days_off")
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["membership", "date"], name="day_off_once_per_date")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} off"


def _stale_hold(now: datetime) -> Q:
    return Q(status=Appointment.Status.AWAITING_PAYMENT, hold_expires_at__lte=now)


def _kept() -> Q:
    """Completed, or confirmed with the patient arrived at the desk or called in by the doctor (their
    token reached on that day's queue)."""
    called = QueueState.objects.filter(membership=OuterRef("membership"), date=OuterRef("date"),
                                       now_serving__gte=OuterRef("token_number"))
    Status = Appointment.Status
    return Q(status=Status.COMPLETED) | (Q(status=Status.CONFIRMED) & (Q(arrived_at__isnull=False) | Q(Exists(called))))


class AppointmentQuerySet(ScopedQuerySet):
    def for_patient(self, user):
        return self.filter(patient=user)

    def on(self, date):
        return self.filter(date=date)

    def active(self):
        return self.filter(status__in=Appointment.ACTIVE)

    def stale_holds(self, now: datetime | None = None):
        """Awaiting payment with the hold run out: the slot is free, the sweep has not marked them expired yet."""
        return self.filter(_stale_hold(now or timezone.now()))

    def without_stale_holds(self, now: datetime | None = None):
        return self.exclude(_stale_hold(now or timezone.now()))

    def upcoming(self, today, *, now: datetime | None = None):
        """Active from ``today`` on; a hold whose payment time ran out is no longer coming up."""
        return self.active().filter(date__gte=today).without_stale_holds(now)

    def past(self, today, *, now: datetime | None = None):
        return self.filter(Q(date__lt=today) | ~Q(status__in=Appointment.ACTIVE) | _stale_hold(now or timezone.now()))

    def in_care(self):
        """Appointments that make a care relationship (the rule is in records.permissions).

        Confirmed, completed or no-show (the hospital accepted the booking and the patient kept
        it), with a doctor membership that is still approved, at a hospital that is not suspended.
        """
        return self.filter(
            status__in=Appointment.CARE_RELATIONSHIP,
            membership__role=Membership.Role.DOCTOR,
            membership__status=Membership.Status.APPROVED,
        ).exclude(hospital__status=Hospital.Status.SUSPENDED)

    def kept(self):
        """Visits the patient kept: completed, or confirmed and arrived or called in (in consultation).

        Only these take a prescription (records.permissions); a no-show, or anything the hospital
        never accepted or the patient withdrew, does not.
        """
        return self.filter(_kept())

    def with_kept(self):
        """Annotate ``is_kept``: is this one of the ``kept()`` visits (for pages that list every visit)?"""
        return self.annotate(is_kept=ExpressionWrapper(_kept(), output_field=models.BooleanField()))

    def in_care_of(self, doctor):
        """``in_care()`` appointments with any of ``doctor``'s (a user or a user id) memberships."""
        return self.in_care().filter(membership__user=doctor)

    def with_people(self):
        return self.select_related(
            "hospital", "patient", "membership", "membership__user", "membership__user__doctor_profile",
            "membership__department",
        )


class Appointment(PayableAppointment, machine.StatusMachine, models.Model):
    """A patient's visit to one doctor membership, at a date and local start time of its hospital."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
        REQUESTED = "requested", "Requested"
        CONFIRMED = "confirmed", "Confirmed"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    ACTIVE = (Status.AWAITING_PAYMENT, Status.REQUESTED, Status.CONFIRMED)
    # The hospital accepted the booking and the patient did not withdraw it: only these open the
    # patient's record and chat to the doctor (records.permissions states the whole rule).
    CARE_RELATIONSHIP = (Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW)
    TRANSITIONS = {
        Status.AWAITING_PAYMENT: {Status.REQUESTED, Status.CANCELLED, Status.EXPIRED},
        Status.REQUESTED: {Status.CONFIRMED, Status.REJECTED, Status.CANCELLED},
        Status.CONFIRMED: {Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED},
    }
    VERBS = {
        Status.AWAITING_PAYMENT: "held for payment",
        Status.REQUESTED: "sent to the hospital",
        Status.CONFIRMED: "confirmed",
        Status.COMPLETED: "completed",
        Status.NO_SHOW: "marked as a no-show",
        Status.REJECTED: "rejected",
        Status.CANCELLED: "cancelled",
        Status.EXPIRED: "expired",
    }
    invalid_transition = InvalidTransition

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="appointments")
    date = models.DateField(db_index=True)
    start_time = models.TimeField()
    end_time = models.TimeField()
    reason = models.TextField(max_length=1000)
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True)
    token_number = models.PositiveSmallIntegerField(null=True, blank=True)
    fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, default="BDT")
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True, help_text="Why it was rejected or cancelled.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["date", "start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "date", "start_time"],
                condition=Q(status__in=["awaiting_payment", "requested", "confirmed"]),
                name="appointment_one_active_per_slot",
            ),
            models.UniqueConstraint(
                fields=["membership", "date", "token_number"],
                condition=Q(token_number__isnull=False),
                name="appointment_token_unique_per_doctor_day",
            ),
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="appointment_ends_after_start"),
        ]
        indexes = [models.Index(fields=["hospital", "date"]), models.Index(fields=["patient", "date"])]

    def __str__(self):
        return f"{self.patient.full_name} with {self.membership.user.full_name} on {self.date} {self.start_time:%H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def payment_time_ran_out(self) -> bool:
        """Awaiting payment past its hold: it can no longer be paid and its slot is free again.

        Pages show this instead of expiring the booking on the way in; the ``expire_holds``
        sweep (or a booking of the same slot) later moves it to ``expired``.
        """
        return (self.status == self.Status.AWAITING_PAYMENT and self.hold_expires_at is not None
                and self.hold_expires_at <= timezone.now())

    @property
    def in_care(self) -> bool:
        """Does this appointment's status make a care relationship (see ``CARE_RELATIONSHIP``)?"""
        return self.status in self.CARE_RELATIONSHIP

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.date, self.start_time, tzinfo=self.hospital.tz)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.date, self.end_time, tzinfo=self.hospital.tz)

    def has_started(self, now: datetime | None = None) -> bool:
        """Has the slot begun at the hospital (by ``now``, or the clock)? Before it nobody can be a no-show.

        Templates call it without ``now``: ``{% if appointment.has_started %}``.
        """
        return (now or timezone.now()) >= self.starts_at

    @property
    def slot_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def cancellable_until(self) -> datetime:
        return self.starts_at - timedelta(hours=self.hospital.cancellation_cutoff_hours)

    def cannot_become_message(self, status: str) -> str:
        return f"This appointment is {self.get_status_display().lower()}; it cannot be {self.VERBS[status]}."


class AppointmentStatusChange(machine.StatusChange):
    """One row per status move (and per arrival): who, when, why. Written through healthstack.status."""

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Appointment.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Appointment.Status.choices)


class AppointmentReminder(models.Model):
    """A reminder sent to the patient before a confirmed visit: one row per appointment and kind, ever.

    The row is written in the same transaction as the reminder's notification and email, so a
    consumer that dies mid-task leaves neither, and the unique pair means a second consumer (or
    a second run) never sends it again.
    """

    class Kind(models.TextChoices):
        DAY_BEFORE = "24h", _("24 hours before")
        SOON = "2h", _("2 hours before")

    LEADS = {Kind.DAY_BEFORE: timedelta(hours=24), Kind.SOON: timedelta(hours=2)}

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appointment", "kind"], name="appointment_reminder_once")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.appointment_id}"


class QueueState(models.Model):
    """The token a doctor is seeing now, per doctor membership per day; its row is the token lock."""

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="queue_states")
    date = models.DateField()
    now_serving = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["membership", "date"], name="queue_state_per_doctor_day")]

    def __str__(self):
        return f"{self.membership_id} on {self.date}: {self.now_serving or '—'}"


class ReviewQuerySet(ScopedQuerySet):
    def for_doctor(self, doctor_profile):
        return self.filter(membership__user_id=doctor_profile.user_id)


class Review(models.Model):
    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="+")
    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="review")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="reviews")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5")]

    def __str__(self):
        return f"{self.rating}/5 for {self.membership_id}"
