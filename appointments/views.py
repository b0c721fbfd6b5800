"""Patient-facing pages: booking, my appointments, appointment detail; and the waiting-room display."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import DoctorProfile
from healthstack.pages import paginate, parse_date
from hospitals.models import Membership
from payments.checkout import go_to_gateway
from payments.models import Payment

from . import services
from .forms import BookingForm, CancelForm, ReviewForm, SlotFilterForm
from .models import Appointment
from .slots import free_slots, local_now, open_dates
from .summaries import next_token_on, now_serving_on, queue_position


def _bookable_memberships(doctor_id: int):
    doctor = get_object_or_404(DoctorProfile.objects.select_related("user"), pk=doctor_id)
    memberships = list(
        Membership.objects.bookable().filter(user_id=doctor.user_id)
        .select_related("hospital", "department").order_by("hospital__name")
    )
    if not memberships:
        raise Http404("This doctor is not taking bookings.")
    return doctor, memberships


def _booking_context(doctor, memberships, data, form=None) -> dict:
    """The hospital, open dates, chosen date and its free slots for ``data`` (GET or POST)."""
    membership = next((m for m in memberships if str(m.pk) == str(data.get("membership"))), memberships[0])
    dates = open_dates(membership)
    chosen = parse_date(data.get("date"))
    if chosen not in {day for day, _ in dates}:
        chosen = dates[0][0] if dates else None
    queryset = Membership.objects.filter(pk__in=[m.pk for m in memberships]).select_related("hospital", "department")
    initial = {"membership": membership.pk, "date": chosen}
    return {
        "doctor": doctor,
        "membership": membership,
        "memberships": memberships,
        "chosen_date": chosen,
        "slots": free_slots(membership, chosen) if chosen else [],
        "filter_form": SlotFilterForm(initial=initial, memberships=queryset, open_dates=dates),
        "form": form or BookingForm(initial=initial, memberships=queryset),
        "selected_start": data.get("start", ""),
    }


@login_required
@require_http_methods(["GET", "POST"])
def book(request, doctor_id):
    """The booking page; a booking with a fee goes straight on to the payment gateway, a free one to its page."""
    doctor, memberships = _bookable_memberships(doctor_id)
    if not request.user.is_patient:
        return render(request, "appointments/book_not_patient.html", {"doctor": doctor}, status=403)
    form = None
    if request.method == "POST":
        form = BookingForm(request.POST, memberships=Membership.objects.filter(pk__in=[m.pk for m in memberships]))
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointment = services.book_appointment(
                    patient=request.user, membership=data["membership"], day=data["date"], start=data["start"],
                    reason=data["reason"],
                )
            except services.AppointmentError as error:
                form.add_error(None, str(error))
            else:
                if appointment.status == Appointment.Status.AWAITING_PAYMENT:
                    return go_to_gateway(request, appointment)
                messages.success(request, "Your request is with the hospital. You will be told when it is confirmed.")
                return redirect("appointments:detail", appointment.pk)
    return render(request, "appointments/book.html", _booking_context(doctor, memberships, request.POST or request.GET, form))


@login_required
@require_GET
def book_slots(request, doctor_id):
    """htmx: the booking panel for another hospital or date."""
    doctor, memberships = _bookable_memberships(doctor_id)
    if not request.user.is_patient:
        raise Http404("Only patients book.")
    return render(request, "appointments/partials/booking_panel.html", _booking_context(doctor, memberships, request.GET))


@login_required
def my_appointments(request):
    today = timezone.localdate()
    showing_past = request.GET.get("show") == "past"
    appointments = Appointment.objects.for_patient(request.user).with_people()
    if showing_past:
        appointments = appointments.past(today).order_by("-date", "-start_time")
    else:
        appointments = appointments.upcoming(today).order_by("date", "start_time")
    return render(request, "appointments/my_appointments.html", {
        "page_obj": paginate(request, appointments), "showing_past": showing_past,
    })


def _own_appointment(request, pk) -> Appointment:
    return get_object_or_404(Appointment.objects.for_patient(request.user).with_people(), pk=pk)


@login_required
def appointment_detail(request, pk):
    appointment = _own_appointment(request, pk)
    review = getattr(appointment, "review", None) if appointment.status == Appointment.Status.COMPLETED else None
    can_cancel = (appointment.can_become(Appointment.Status.CANCELLED) and not appointment.payment_time_ran_out
                  and timezone.now() < appointment.cancellable_until)
    return render(request, "appointments/appointment_detail.html", {
        "appointment": appointment,
        "position": queue_position(appointment),
        "history": appointment.status_changes.select_related("by"),
        "can_cancel": can_cancel,
        "cancel_form": CancelForm() if can_cancel else None,
        "review": review,
        "review_form": ReviewForm() if appointment.status == Appointment.Status.COMPLETED and not review else None,
        # What the visit left the patient: the prescriptions issued at it (records links them by
        # appointment) and the receipts of what was paid for it.
        "prescriptions": appointment.prescriptions.filter(status="issued").select_related("hospital").order_by("-issued_at"),
        "receipts": Payment.objects.for_payable(appointment).receipts(),
    })


def _patient_action(request, pk, form_class, service, done: str):
    """Validate ``form_class`` from the POST, apply ``service`` to the patient's own appointment, go back."""
    appointment = _own_appointment(request, pk)
    form = form_class(request.POST)
    try:
        if not form.is_valid():
            raise services.AppointmentError(next(iter(form.errors.values()))[0])
        service(appointment=appointment, by=request.user, **form.cleaned_data)
    except services.AppointmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("appointments:detail", appointment.pk)


@login_required
@require_POST
def appointment_cancel(request, pk):
    return _patient_action(request, pk, CancelForm, services.cancel_appointment, "Your appointment is cancelled.")


@login_required
@require_POST
def appointment_review(request, pk):
    return _patient_action(request, pk, ReviewForm, services.leave_review,
                           "Thank you. Your review is on the doctor's profile.")


def _display_membership(hospital_slug, membership_id) -> Membership:
    return get_object_or_404(
        Membership.objects.bookable().with_people(), pk=membership_id, hospital__slug=hospital_slug
    )


def _display_state(membership) -> dict:
    """Today's token being served and the token called next (the same figures a patient's page shows)."""
    today = local_now(membership.hospital).date()
    serving = now_serving_on(membership.pk, today)
    return {"today": today, "now_serving": serving, "next_token": next_token_on(membership.pk, today, serving)}


@require_GET
def queue_display(request, hospital_slug, membership_id):
    """Public waiting-room screen: "now serving N" for one doctor today; no patient names."""
    membership = _display_membership(hospital_slug, membership_id)
    return render(request, "appointments/queue_display.html", {
        "membership": membership, **_display_state(membership),
        "state_url": reverse("appointments:display-state", args=[hospital_slug, membership_id]),
    })


@require_GET
def queue_display_state(request, hospital_slug, membership_id):
    state = _display_state(_display_membership(hospital_slug, membership_id))
    response = JsonResponse({"now_serving": state["now_serving"], "next_token": state["next_token"],
                             "date": state["today"].isoformat()})
    response["Cache-Control"] = "no-store"
    return response
