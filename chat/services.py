"""Writes for chat: start a conversation, post a message (saved, then broadcast), mark messages read."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from healthstack.files import DOCUMENT_KINDS, IMAGE_KINDS, check_upload
from healthstack import realtime

from .models import MESSAGE_MAX_LENGTH, Conversation, Message
from .permissions import has_care_relationship

CHAT_MESSAGE = "chat.message"
CHAT_READ = "chat.read"
CHAT_TYPING = "chat.typing"
CHAT_NEW = "chat.new"
ATTACHMENT_KINDS = DOCUMENT_KINDS


def chat_group(conversation_id: int) -> str:
    """The channel-layer group of one conversation's open chat rooms (both participants')."""
    return f"chat-{conversation_id}"


class ChatError(Exception):
    """A chat action that is not allowed; the message is shown to the user."""


@transaction.atomic
def get_or_start_conversation(*, patient, doctor) -> Conversation:
    """Return the conversation of ``patient`` and ``doctor`` (users), creating it the first time.

    Raises ChatError unless ``patient`` is a patient, ``doctor`` a doctor, and the two have a
    care relationship (see chat.permissions). Safe under concurrent calls (unique pair).
    """
    if not getattr(patient, "is_patient", False) or not getattr(doctor, "is_doctor", False):
        raise ChatError("A conversation is between a patient and a doctor.")
    if patient.pk == doctor.pk:
        raise ChatError("You cannot start a conversation with yourself.")
    if not has_care_relationship(patient_id=patient.pk, doctor_id=doctor.pk):
        raise ChatError("You can message a doctor once you have an appointment with them.")
    try:
        with transaction.atomic():
            conversation, _ = Conversation.objects.get_or_create(patient=patient, doctor=doctor)
    except IntegrityError:  # the same pair started at the same moment elsewhere
        conversation = Conversation.objects.get(patient=patient, doctor=doctor)
    return conversation


def sender_name(conversation: Conversation, sender) -> str:
    if sender.pk == conversation.doctor_id:
        profile = getattr(sender, "doctor_profile", None)
        return profile.display_name if profile else sender.full_name
    return sender.full_name


def serialize_message(message: Message) -> dict:
    """The JSON shape of a message for the room page, the history endpoint and the socket."""
    attachment = None
    if message.attachment:
        attachment = {
            "url": reverse("chat:attachment", args=[message.conversation_id, message.pk]),
            "name": message.attachment_name or "attachment",
            "kind": message.attachment_kind,
            "is_image": message.attachment_kind in IMAGE_KINDS,
        }
    created = timezone.localtime(message.created_at)
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "sender": message.sender_id,
        "sender_name": sender_name(message.conversation, message.sender),
        "body": message.body,
        "created_at": created.isoformat(),
        "time": created.strftime("%H:%M"),
        "day": created.strftime("%a %d %b %Y"),
        "attachment": attachment,
        "read": message.read_at is not None,
    }


def clean_body(body: str) -> str:
    """Normalise line ends and trim; raise ChatError past MESSAGE_MAX_LENGTH characters."""
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ChatError(f"A message can be at most {MESSAGE_MAX_LENGTH} characters.")
    return body


def post_message(*, conversation: Conversation, sender, body: str = "", attachment=None) -> Message:
    """Save a message from ``sender``; after commit, send it to the room and tell the other person.

    ``attachment`` is an uploaded file, checked by content (PDF, JPEG, PNG, DOC, DOCX up to
    MEDICAL_UPLOAD_MAX_MB; images re-encoded). Raises ChatError for a non-participant, an
    empty or too long message, or a file that is not what it claims. A conversation only
    exists for a pair with a care relationship, and that relationship does not lapse.
    The file is checked before the write transaction begins: decoding an image (or waiting for
    a turn to) never holds the database's write lock.
    """
    if not conversation.has_participant(sender):
        raise ChatError("You are not part of this conversation.")
    body = clean_body(body)
    checked = None
    if attachment is not None:
        try:
            checked = check_upload(attachment, allowed=ATTACHMENT_KINDS, max_mb=settings.MEDICAL_UPLOAD_MAX_MB)
        except ValidationError as error:
            raise ChatError(error.messages[0]) from error
    if not body and checked is None:
        raise ChatError("Write a message or attach a file.")
    return _save_message(conversation=conversation, sender=sender, body=body, checked=checked)


@transaction.atomic
def _save_message(*, conversation: Conversation, sender, body: str, checked) -> Message:
    message = Message(conversation=conversation, sender=sender, body=body)
    if checked is not None:
        message.attachment = checked.content
        message.attachment_kind = checked.kind
        message.attachment_name = checked.original_name or f"attachment.{checked.kind}"
    message.save()
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    message.conversation = conversation
    message.sender = sender
    realtime.broadcast(chat_group(conversation.pk), CHAT_MESSAGE, {"message": serialize_message(message)})
    recipient_id = conversation.doctor_id if sender.pk == conversation.patient_id else conversation.patient_id
    realtime.broadcast(realtime.user_group(recipient_id), CHAT_NEW, {
        "conversation": conversation.pk,
        "sender": sender_name(conversation, sender),
        "url": reverse("chat:room", args=[conversation.pk]),
    })
    return message


@transaction.atomic
def mark_read(*, conversation: Conversation, reader, now: datetime | None = None) -> int:
    """Mark every message the other person sent in ``conversation`` as read by ``reader``.

    Returns how many changed; when any did, the room hears (after commit) up to which message
    id they are read, for the sender's read receipts.
    """
    if not conversation.has_participant(reader):
        raise ChatError("You are not part of this conversation.")
    unread = Message.objects.for_conversation(conversation).unread_by(reader)
    up_to = unread.aggregate(up_to=Max("id"))["up_to"]
    if up_to is None:
        return 0
    changed = unread.filter(id__lte=up_to).update(read_at=now or timezone.now())
    realtime.broadcast(chat_group(conversation.pk), CHAT_READ, {"reader": reader.pk, "up_to": up_to})
    return changed
