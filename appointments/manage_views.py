"""Staff pages under /manage/<hospital>/: schedules, the reception board, the doctor's queue.

Every view passes the tenancy guard; every lookup is scoped to ``request.hospital`` (and a
doctor who is not desk staff only reaches their own appointments).
"""

import calendar
from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from healthstack.lookups import get_by_id_or_404
from healthstack.pages import paginate, parse_date
from hospitals.models import Membership
from hospitals.permissions import has_role, hospital_role_required

from . import services
from .forms import DayOffForm, RejectForm, ScheduleRuleForm
from .models import Appointment, DayOff, QueueState, ScheduleRule
from .permissions import DESK
from .slots import local_now
from .summaries import DESK_STATES, desk_count_list, desk_counts, doctor_today, in_desk_state, month_counts

Role = Membership.Role
Status = Appointment.Status
# The reception board and the doctor's queue are one day's work: the desk needs the whole day on
# one screen, so they page by this many, not by PAGE_SIZE (sized for browsing lists).
DAY_BOARD_SIZE = 50


def _is_desk(request) -> bool:
    return has_role(request, *DESK)


def _scheduled_doctor(request, doctor_id) -> Membership | None:
    """The doctor membership whose schedule is shown: one's own, or any of the hospital's for an admin."""
    doctors = Membership.objects.for_hospital(request.hospital).doctors().with_people()
    if has_role(request, Role.ADMIN):
        if doctor_id:
            return get_by_id_or_404(doctors, doctor_id)
        if request.membership.role == Role.DOCTOR:
            return request.membership
        return doctors.approved().order_by("user__full_name").first()
    if doctor_id and str(doctor_id) != str(request.membership.pk):
        raise Http404("You can only edit your own schedule.")
    return request.membership


def _schedule_url(request, membership) -> str:
    url = reverse("desk:schedule", args=[request.hospital.slug])
    return f"{url}?doctor={membership.pk}" if membership and has_role(request, Role.ADMIN) else url


@hospital_role_required(Role.DOCTOR, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def schedule(request):
    membership = _scheduled_doctor(request, request.POST.get("doctor") or request.GET.get("doctor"))
    rule_form = ScheduleRuleForm(prefix="rule")
    day_off_form = DayOffForm(prefix="off")
    if request.method == "POST" and membership is not None:
        adding_rule = "add_rule" in request.POST
        form = ScheduleRuleForm(request.POST, prefix="rule") if adding_rule else DayOffForm(request.POST, prefix="off")
        if form.is_valid():
            try:
                if adding_rule:
                    services.add_schedule_rule(membership=membership, **form.cleaned_data)
                else:
                    services.add_day_off(membership=membership, day=form.cleaned_data["date"],
                                         reason=form.cleaned_data["reason"])
            except services.AppointmentError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Consulting hours added." if adding_rule else "Day off added.")
                return redirect(_schedule_url(request, membership))
        if adding_rule:
            rule_form = form
        else:
            day_off_form = form
    today = local_now(request.hospital).date()
    return render(request, "appointments/manage/schedule.html", {
        "doctor_membership": membership,
        "doctors": (
            Membership.objects.for_hospital(request.hospital).doctors().approved().with_people()
            .order_by("user__full_name") if has_role(request, Role.ADMIN) else ()
        ),
        "rules": ScheduleRule.objects.for_membership(membership) if membership else (),
        "days_off": DayOff.objects.for_membership(membership).filter(date__gte=today) if membership else (),
        "rule_form": rule_form,
        "day_off_form": day_off_form,
    })


def _own_schedule_item(request, model, pk):
    items = model.objects.for_hospital(request.hospital)
    if not has_role(request, Role.ADMIN):
        items = items.filter(membership=request.membership)
    return get_object_or_404(items.select_related("membership"), pk=pk)


def _remover(model, remove, done: str):
    """A POST view deleting one of the doctor's schedule items (any doctor's, for an admin)."""

    @hospital_role_required(Role.DOCTOR, Role.ADMIN)
    @require_POST
    def view(request, pk):
        item = _own_schedule_item(request, model, pk)
        remove(item)
        messages.success(request, done.format(item=item))
        return redirect(_schedule_url(request, item.membership))

    return view


rule_delete = _remover(ScheduleRule, lambda rule: services.remove_schedule_rule(rule=rule), "Removed {item}.")
day_off_delete = _remover(DayOff, lambda day_off: services.remove_day_off(day_off=day_off),
                          "{item.date:%d %b %Y} is a working day again.")


def _month_weeks(day: date, counts: dict[date, int]) -> list[list[tuple[date, int]]]:
    weeks = calendar.Calendar(firstweekday=calendar.SUNDAY).monthdatescalendar(day.year, day.month)
    return [[(d, counts.get(d, 0)) for d in week] for week in weeks]


@hospital_role_required(*DESK)
def reception(request):
    """The day's counts by desk state, its appointments grouped by doctor (``?state=`` narrows them), a month calendar."""
    today = local_now(request.hospital).date()
    day = parse_date(request.GET.get("date")) or today
    state = request.GET.get("state") if request.GET.get("state") in DESK_STATES else ""
    day_appointments = Appointment.objects.for_hospital(request.hospital).on(day)
    counts = desk_counts(day_appointments)
    appointments = in_desk_state(day_appointments, state).with_people().order_by(
        "membership__user__full_name", "membership_id", "start_time")
    first_of_month = day.replace(day=1)
    page_obj = paginate(request, appointments, per_page=DAY_BOARD_SIZE)
    return render(request, "appointments/manage/reception.html", {
        "day": day,
        "today": today,
        "weeks": _month_weeks(day, month_counts(request.hospital, day.year, day.month)),
        "previous_month": (first_of_month - timedelta(days=1)).replace(day=1),
        "next_month": (first_of_month + timedelta(days=32)).replace(day=1),
        "page_obj": page_obj,
        "doctor_groups": _by_doctor(page_obj.object_list, request.hospital, day),
        "counts": counts,
        "count_list": desk_count_list(counts),
        "state": state,
        "state_label": DESK_STATES[state].label if state else "",
        "reject_form": RejectForm(),
    })


def _by_doctor(appointments, hospital, day) -> list[dict]:
    """The day's appointments (already ordered by doctor) as one group per doctor with its "now serving"."""
    serving = dict(QueueState.objects.filter(hospital=hospital, date=day).values_list("membership_id", "now_serving"))
    groups = {}
    for appointment in appointments:
        group = groups.setdefault(appointment.membership_id, {
            "membership": appointment.membership, "now_serving": serving.get(appointment.membership_id),
            "appointments": [],
        })
        group["appointments"].append(appointment)
    return list(groups.values())


@hospital_role_required(Role.DOCTOR)
def queue(request):
    """The doctor's day: confirmed patients in token order, requests to answer, "call next"."""
    membership = request.membership
    summary = doctor_today(membership)
    today = summary["today"]
    mine = Appointment.objects.for_hospital(request.hospital).for_membership(membership)
    return render(request, "appointments/manage/queue.html", {
        **summary,
        "page_obj": paginate(
            request,
            mine.on(today).filter(status__in=[Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW])
            .select_related("patient", "hospital").with_kept().order_by("token_number"),
            per_page=DAY_BOARD_SIZE,
        ),
        "requests": mine.filter(status=Status.REQUESTED, date__gte=today).select_related("patient")
        .order_by("date", "start_time")[:10],
        "reject_form": RejectForm(),
        "display_url": reverse("appointments:display", args=[request.hospital.slug, membership.pk]),
    })


@hospital_role_required(Role.DOCTOR)
@require_POST
def queue_call_next(request):
    try:
        appointment = services.call_next(membership=request.membership, by=request.user)
    except services.AppointmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Now serving token {appointment.token_number}: {appointment.patient.full_name}.")
    return redirect("desk:queue", request.hospital.slug)


def _back(request) -> str:
    """Where to return after an action: the page it came from, if it is this hospital's staff area."""
    target = request.POST.get("next", "")
    own_area = reverse("manage:dashboard", args=[request.hospital.slug])
    if target.startswith(own_area) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("desk:reception" if _is_desk(request) else "desk:queue", args=[request.hospital.slug])


def _staff_appointment(request, pk) -> Appointment:
    appointments = Appointment.objects.for_hospital(request.hospital)
    if not _is_desk(request):
        appointments = appointments.for_membership(request.membership)
    return get_object_or_404(appointments.select_related("patient"), pk=pk)


def _action(service, roles, done: str, *, needs_reason: bool = False):
    """A POST view applying one status service to one of this hospital's appointments."""

    @hospital_role_required(*roles)
    @require_POST
    def view(request, pk):
        appointment = _staff_appointment(request, pk)
        extra = {}
        if needs_reason:
            form = RejectForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Give the patient a reason.")
                return redirect(_back(request))
            extra["reason"] = form.cleaned_data["reason"]
        try:
            appointment = service(appointment=appointment, by=request.user, **extra)
        except services.AppointmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, done.format(appointment=appointment))
        return redirect(_back(request))

    return view


DESK_AND_DOCTOR = (*DESK, Role.DOCTOR)
confirm = _action(services.confirm_appointment, DESK_AND_DOCTOR,
                  "Confirmed {appointment.patient.full_name}: token {appointment.token_number}.")
reject = _action(services.reject_appointment, DESK_AND_DOCTOR, "Rejected {appointment.patient.full_name}'s request.",
                 needs_reason=True)
arrived = _action(services.mark_arrived, DESK_AND_DOCTOR, "{appointment.patient.full_name} has arrived.")
no_show = _action(services.mark_no_show, DESK_AND_DOCTOR, "{appointment.patient.full_name} marked as a no-show.")
complete = _action(services.complete_appointment, (Role.DOCTOR,), "Completed {appointment.patient.full_name}'s visit.")
