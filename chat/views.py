"""Chat pages: the conversation list, a room, and the plain-HTTP faces of what the socket does.

Every view finds the conversation among the user's own and checks ``can_chat``; another
person's conversation is a 404. Posting works without the socket (a form POST, then a
redirect), so the room still works when websockets are down.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from appointments.models import Appointment
from healthstack.files import private_file_response
from healthstack.pages import paginate

from . import services
from .forms import MessageForm
from .models import MESSAGE_MAX_LENGTH, Conversation, Message
from .permissions import can_chat, has_care_relationship

PAGE_MESSAGES = 50


def _conversation(request, pk) -> Conversation:
    conversation = get_object_or_404(Conversation.objects.for_user(request.user).with_people(), pk=pk)
    if not can_chat(request.user, conversation):
        raise Http404("No such conversation.")
    return conversation


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_GET
def conversation_list(request):
    user = request.user
    conversations = Conversation.objects.for_user(user).with_people().with_summary(user)
    page_obj = paginate(request, conversations)
    rows = [
        {
            "conversation": c,
            "name": c.display_name_for(user),
            "person": c.other_person(user),
            "photo": c.photo_for(user),
            "mine": c.last_sender_id == user.pk,
        }
        for c in page_obj.object_list
    ]
    doctors_to_message = []
    if user.is_patient:
        talking_to = Conversation.objects.filter(patient=user).values("doctor_id")
        doctors_to_message = _latest_per_doctor(user, talking_to)[:10]
    return render(request, "chat/conversation_list.html", {
        "page_obj": page_obj, "rows": rows, "doctors_to_message": doctors_to_message,
    })


def _latest_per_doctor(user, talking_to):
    """The patient's latest appointment with each doctor they are not talking to yet (SQLite path)."""
    seen, latest = set(), []
    appointments = (
        Appointment.objects.for_patient(user).in_care().exclude(membership__user_id__in=talking_to)
        .select_related("membership__user__doctor_profile", "membership__department", "hospital")
        .order_by("-date")[:100]
    )
    for appointment in appointments:
        if appointment.membership.user_id not in seen:
            seen.add(appointment.membership.user_id)
            latest.append(appointment)
    return latest


def _page_of_messages(conversation, *, before=None, after=None, limit=PAGE_MESSAGES):
    """Up to ``limit`` messages, oldest first: the newest ones, those before an id, or those after one."""
    qs = Message.objects.for_conversation(conversation).select_related("sender", "sender__doctor_profile")
    if after is not None:
        batch = list(qs.filter(id__gt=after).order_by("id")[: limit + 1])
        return batch[:limit], len(batch) > limit
    if before is not None:
        qs = qs.filter(id__lt=before)
    batch = list(qs.order_by("-id")[: limit + 1])
    has_more = len(batch) > limit
    batch = batch[:limit]
    batch.reverse()
    return batch, has_more


def _as_int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


@login_required
@require_GET
def room(request, pk):
    conversation = _conversation(request, pk)
    batch, has_older = _page_of_messages(conversation)
    for message in batch:
        message.conversation = conversation
    return render(request, "chat/room.html", {
        "conversation": conversation,
        "name": conversation.display_name_for(request.user),
        "person": conversation.other_person(request.user),
        "photo": conversation.photo_for(request.user),
        "chat_messages": [services.serialize_message(m) for m in batch],
        "has_older": has_older,
        "form": MessageForm(),
        "max_length": MESSAGE_MAX_LENGTH,
        "max_upload_mb": settings.MEDICAL_UPLOAD_MAX_MB,
    })


@login_required
@require_GET
def history(request, pk):
    """JSON: ``?before=<id>`` the 50 messages before it, ``?after=<id>`` those after it (catching up)."""
    conversation = _conversation(request, pk)
    batch, has_more = _page_of_messages(
        conversation, before=_as_int(request.GET.get("before")), after=_as_int(request.GET.get("after"))
    )
    for message in batch:
        message.conversation = conversation
    response = JsonResponse({"messages": [services.serialize_message(m) for m in batch], "has_more": has_more})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def send(request, pk):
    """Post a message (with an optional attachment) without the socket; it is broadcast all the same."""
    conversation = _conversation(request, pk)
    form = MessageForm(request.POST, request.FILES)
    error = None
    if form.is_valid():
        try:
            message = services.post_message(
                conversation=conversation, sender=request.user, body=form.cleaned_data["body"],
                attachment=form.cleaned_data["attachment"],
            )
        except services.ChatError as exc:
            error = str(exc)
    else:
        error = next(iter(form.errors.values()))[0]
    if _wants_json(request):
        if error:
            return JsonResponse({"error": error}, status=400)
        return JsonResponse({"message": services.serialize_message(message)}, status=201)
    if error:
        messages.error(request, error)
    return redirect("chat:room", conversation.pk)


@login_required
@require_POST
def read(request, pk):
    conversation = _conversation(request, pk)
    changed = services.mark_read(conversation=conversation, reader=request.user)
    if _wants_json(request):
        return JsonResponse({"read": changed})
    return redirect("chat:room", conversation.pk)


@login_required
@require_GET
def attachment(request, pk, message_id):
    conversation = _conversation(request, pk)
    message = get_object_or_404(
        Message.objects.for_conversation(conversation).exclude(attachment=""), pk=message_id
    )
    return private_file_response(message.attachment, stem=f"chat-attachment-{message.pk}",
                                 kind=message.attachment_kind)


def _appointment_for(request, appointment_id) -> Appointment:
    """An appointment the user is the patient or the doctor of; anything else is a 404."""
    user = request.user
    return get_object_or_404(
        Appointment.objects.filter(Q(patient=user) | Q(membership__user=user))
        .select_related("patient", "patient__patient_profile", "membership__user__doctor_profile"),
        pk=appointment_id,
    )


def _open_or_offer(request, *, patient, doctor, allowed: bool):
    """Go to the pair's conversation; the first time, GET asks and POST starts it."""
    existing = Conversation.objects.filter(patient=patient, doctor=doctor).first() if allowed else None
    if existing is not None:
        return redirect("chat:room", existing.pk)
    if request.method == "POST":
        try:
            conversation = services.get_or_start_conversation(patient=patient, doctor=doctor)
        except services.ChatError as error:
            messages.error(request, str(error))
            return redirect("chat:list")
        return redirect("chat:room", conversation.pk)
    other = doctor if request.user.pk == patient.pk else patient
    return render(request, "chat/start.html", {
        "other": other,
        "other_name": doctor.doctor_profile.display_name if other.pk == doctor.pk else patient.full_name,
        "allowed": allowed,
    })


@login_required
@require_http_methods(["GET", "POST"])
def start_for_appointment(request, appointment_id):
    """The chat of an appointment's patient and doctor (from the appointment page or the queue)."""
    appointment = _appointment_for(request, appointment_id)
    patient, doctor = appointment.patient, appointment.membership.user
    return _open_or_offer(request, patient=patient, doctor=doctor,
                          allowed=has_care_relationship(patient_id=patient.pk, doctor_id=doctor.pk))


@login_required
@require_http_methods(["GET", "POST"])
def start_with(request, user_id):
    """The chat with a patient (for their doctor) or a doctor (for their patient) in a care relationship.

    Anyone else, or someone without that relationship, is a 404.
    """
    user = request.user
    other = get_object_or_404(User.objects.filter(is_active=True), pk=user_id)
    if user.is_doctor and other.is_patient:
        patient, doctor = other, user
    elif user.is_patient and other.is_doctor:
        patient, doctor = user, other
    else:
        raise Http404("No one to message here.")
    if not has_care_relationship(patient_id=patient.pk, doctor_id=doctor.pk):
        raise Http404("No one to message here.")
    return _open_or_offer(request, patient=patient, doctor=doctor, allowed=True)
