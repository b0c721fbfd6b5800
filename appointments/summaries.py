"""Read-only figures for pages and dashboards: queue position, today's counts, review averages.

Each function runs a fixed, small number of queries whatever the amount of data.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Avg, Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Appointment, QueueState, Review
from .slots import local_now

Status = Appointment.Status


@dataclass(frozen=True)
class QueuePosition:
    """Where a confirmed token stands in its doctor's queue today.

    ``now_serving`` is the token the doctor last called; ``next_token`` the one they will call
    next (the lowest confirmed token after it). A token is the patient's turn only once the
    doctor has called it; before that, at best, the patient is next.
    """

    token_number: int
    now_serving: int | None
    next_token: int | None
    tokens_ahead: int
    minutes_wait: int

    @property
    def is_called(self) -> bool:
        return self.now_serving is not None and self.now_serving >= self.token_number

    @property
    def is_your_turn(self) -> bool:
        """The doctor has called this token: "It is your turn"."""
        return self.is_called

    @property
    def is_next(self) -> bool:
        """Not called yet, and the next token the doctor will call: "You are next"."""
        return not self.is_called and self.next_token == self.token_number


def now_serving_on(membership_id: int, day: date) -> int | None:
    return QueueState.objects.filter(membership_id=membership_id, date=day).values_list(
        "now_serving", flat=True
    ).first()


def next_token_on(membership_id: int, day: date, now_serving: int | None) -> int | None:
    """The confirmed token the doctor will call next (what ``services.call_next`` picks). One query."""
    return (
        Appointment.objects.for_membership(membership_id).on(day)
        .filter(status=Status.CONFIRMED, token_number__gt=now_serving or 0)
        .aggregate(next_token=Min("token_number"))["next_token"]
    )


def queue_position(appointment: Appointment, *, now=None) -> QueuePosition | None:
    """For a confirmed appointment today: now serving, the next token, confirmed tokens before it, the wait.

    The wait is the tokens ahead (the one being served included while it is still confirmed)
    times the appointment's slot length. None on other days. Two queries.
    """
    if appointment.status != Status.CONFIRMED or appointment.date != local_now(appointment.hospital, now).date():
        return None
    serving = now_serving_on(appointment.membership_id, appointment.date)
    figures = (
        Appointment.objects.for_membership(appointment.membership_id).on(appointment.date)
        .filter(status=Status.CONFIRMED)
        .aggregate(
            ahead=Count("pk", filter=Q(token_number__lt=appointment.token_number, token_number__gte=serving or 0)),
            next_token=Min("token_number", filter=Q(token_number__gt=serving or 0)),
        )
    )
    return QueuePosition(appointment.token_number, serving, figures["next_token"], figures["ahead"],
                         figures["ahead"] * appointment.slot_minutes)


def patient_next_appointment(user, *, now: datetime | None = None) -> Appointment | None:
    """The patient's next active appointment (from today in server time, so nothing is missed)."""
    return (
        Appointment.objects.for_patient(user).upcoming(timezone.localdate(now), now=now).with_people()
        .order_by("date", "start_time").first()
    )


def doctor_today(membership, *, now: datetime | None = None) -> dict:
    """Today's queue of a doctor membership: waiting count, the next patient, now serving."""
    today = local_now(membership.hospital, now).date()
    serving = now_serving_on(membership.pk, today)
    waiting = Q(date=today, status=Status.CONFIRMED, token_number__gt=serving or 0)
    counts = Appointment.objects.for_membership(membership).aggregate(
        queue_length=Count("pk", filter=waiting),
        to_confirm=Count("pk", filter=Q(status=Status.REQUESTED, date__gte=today)),
    )
    return {
        "today": today,
        "now_serving": serving,
        **counts,
        "next_appointment": Appointment.objects.for_membership(membership).filter(waiting)
        .order_by("token_number").select_related("patient").first(),
    }


@dataclass(frozen=True)
class DeskState:
    """Where an appointment stands for the front desk; the states split a day's bookings without overlap."""

    key: str
    label: str
    condition: Q


CLOSED_STATUSES = (Status.REJECTED, Status.CANCELLED, Status.EXPIRED)
BOOKED_STATES = (
    DeskState("awaiting_payment", _("awaiting payment"), Q(status=Status.AWAITING_PAYMENT)),
    DeskState("to_confirm", _("to confirm"), Q(status=Status.REQUESTED)),
    DeskState("expected", _("confirmed, not arrived"), Q(status=Status.CONFIRMED, arrived_at__isnull=True)),
    DeskState("arrived", _("in the waiting room"), Q(status=Status.CONFIRMED, arrived_at__isnull=False)),
    DeskState("completed", _("completed"), Q(status=Status.COMPLETED)),
    DeskState("no_show", _("did not come"), Q(status=Status.NO_SHOW)),
)
CLOSED_STATE = DeskState("closed", _("rejected, cancelled or expired"), Q(status__in=CLOSED_STATUSES))
DESK_STATES = {state.key: state for state in (*BOOKED_STATES, CLOSED_STATE)}


def in_desk_state(queryset, key: str | None):
    """``queryset`` narrowed to one desk state; an unknown or empty key leaves it whole."""
    state = DESK_STATES.get(key or "")
    return queryset.filter(state.condition) if state else queryset


def desk_counts(queryset) -> dict:
    """One query: the count of every desk state, "booked" (their sum, closed ones left out) and "closed".

    Booked = awaiting payment + to confirm + confirmed not arrived + arrived + completed + did not come.
    """
    counts = queryset.aggregate(**{key: Count("pk", filter=state.condition) for key, state in DESK_STATES.items()})
    counts["booked"] = sum(counts[state.key] for state in BOOKED_STATES)
    return counts


def desk_count_list(counts: dict) -> list[dict]:
    """The booked states with their counts, in board order, for templates to loop over."""
    return [{"key": state.key, "label": state.label, "count": counts[state.key]} for state in BOOKED_STATES]


def reception_today(hospital, *, now: datetime | None = None) -> dict:
    today = local_now(hospital, now).date()
    counts = desk_counts(Appointment.objects.for_hospital(hospital).on(today))
    return {"today": today, "counts": counts, "count_list": desk_count_list(counts)}


def month_counts(hospital, year: int, month: int) -> dict[date, int]:
    """Booked appointments (not rejected, cancelled or expired) per date of one month."""
    rows = (
        Appointment.objects.for_hospital(hospital).filter(date__year=year, date__month=month)
        .exclude(status__in=CLOSED_STATUSES)
        .values("date").annotate(n=Count("pk")).values_list("date", "n")
    )
    return dict(rows)


def doctor_review_summary(doctor_profile) -> dict:
    """Average rating (None without reviews) and count across all the doctor's hospitals."""
    summary = Review.objects.for_doctor(doctor_profile).aggregate(average=Avg("rating"), count=Count("pk"))
    if summary["average"] is not None:
        summary["average"] = round(summary["average"], 1)
    return summary


def doctor_upcoming(membership, *, limit: int = 5, now: datetime | None = None) -> list[Appointment]:
    """The doctor's next active appointments after today at this hospital, soonest first (one query)."""
    today = local_now(membership.hospital, now).date()
    return list(
        Appointment.objects.for_membership(membership).active().filter(date__gt=today)
        .select_related("patient").order_by("date", "start_time")[:limit]
    )


def doctor_recent_patients(membership, *, limit: int = 5) -> list[dict]:
    """The last patients the doctor saw here (completed visits, newest first, each patient once): one query."""
    visits = (
        Appointment.objects.for_membership(membership).filter(status=Status.COMPLETED)
        .select_related("patient").order_by("-date", "-start_time")[: limit * 4]
    )
    patients = {}
    for visit in visits:
        patients.setdefault(visit.patient_id, {"patient": visit.patient, "last_visit": visit.date})
    return list(patients.values())[:limit]


def patient_upcoming_count(user, *, now: datetime | None = None) -> int:
    """How many active appointments the patient has from today (server date) on."""
    return Appointment.objects.for_patient(user).upcoming(timezone.localdate(now), now=now).count()
