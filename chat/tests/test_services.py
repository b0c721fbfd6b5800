"""Chat services and the care-relationship predicate."""

import asyncio
import io
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.tests.factories import DoctorFactory, PatientFactory
from appointments.models import Appointment
from appointments.slots import local_now
from appointments.tests.factories import AppointmentFactory
from chat import services
from chat.models import Conversation, Message
from chat.permissions import can_chat, has_care_relationship
from chat.tests.factories import ConversationFactory, MessageFactory
from healthstack import realtime

Status = Appointment.Status


def png_upload(name="scan.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def listen(group: str) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return channel


def received(channel: str) -> dict:
    return async_to_sync(get_channel_layer().receive)(channel)


def nothing_for(channel: str) -> bool:
    async def attempt():
        try:
            await asyncio.wait_for(get_channel_layer().receive(channel), 0.2)
        except TimeoutError:
            return True
        return False

    return async_to_sync(attempt)()


@pytest.mark.parametrize(("status", "cares"), [
    (Status.REQUESTED, False), (Status.CONFIRMED, True), (Status.COMPLETED, True), (Status.CANCELLED, False),
    (Status.REJECTED, False), (Status.NO_SHOW, True), (Status.AWAITING_PAYMENT, False), (Status.EXPIRED, False),
])
def test_care_relationship_is_the_records_rule(patient, doctor_membership, status, cares):
    AppointmentFactory(membership=doctor_membership, patient=patient, status=status,
                       date=local_now(doctor_membership.hospital).date() + timedelta(days=1))
    assert has_care_relationship(patient_id=patient.pk, doctor_id=doctor_membership.user_id) is cares


def test_can_chat_needs_a_participant_with_care(conversation, doctor_membership):
    assert can_chat(conversation.patient, conversation)
    assert can_chat(conversation.doctor, conversation)
    assert not can_chat(PatientFactory(), conversation)
    lapsed = ConversationFactory(patient=PatientFactory(), doctor=conversation.doctor)
    assert not can_chat(lapsed.patient, lapsed)


def test_start_conversation_needs_care_and_is_one_per_pair(care_appointment):
    patient, doctor = care_appointment.patient, care_appointment.membership.user
    first = services.get_or_start_conversation(patient=patient, doctor=doctor)
    assert services.get_or_start_conversation(patient=patient, doctor=doctor) == first
    assert Conversation.objects.count() == 1
    with pytest.raises(services.ChatError, match="once you have an appointment"):
        services.get_or_start_conversation(patient=PatientFactory(), doctor=doctor)
    with pytest.raises(services.ChatError):
        services.get_or_start_conversation(patient=patient, doctor=PatientFactory())
    with pytest.raises(services.ChatError):
        services.get_or_start_conversation(patient=patient, doctor=DoctorFactory())


@pytest.mark.django_db(transaction=True)
def test_post_message_saves_then_broadcasts_after_commit(conversation):
    room = listen(services.chat_group(conversation.pk))
    doctor_inbox = listen(realtime.user_group(conversation.doctor_id))
    message = services.post_message(conversation=conversation, sender=conversation.patient, body="Hello\r\ndoctor ")
    assert Message.objects.get().body == "Hello\ndoctor"
    event = received(room)
    assert event["type"] == services.CHAT_MESSAGE
    assert event["message"]["id"] == message.pk
    assert received(doctor_inbox) == {
        "type": services.CHAT_NEW, "conversation": conversation.pk,
        "sender": conversation.patient.full_name, "url": f"/chat/{conversation.pk}/",
    }
    conversation.refresh_from_db()
    assert conversation.last_message_at == message.created_at


@pytest.mark.django_db(transaction=True)
def test_nothing_is_broadcast_when_the_transaction_rolls_back(conversation):
    from django.db import transaction

    room = listen(services.chat_group(conversation.pk))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.post_message(conversation=conversation, sender=conversation.patient, body="never")
        raise RuntimeError("rolled back")
    assert not Message.objects.exists()
    assert nothing_for(room)


def test_post_message_refuses_outsiders_empty_and_long(conversation):
    with pytest.raises(services.ChatError, match="not part"):
        services.post_message(conversation=conversation, sender=PatientFactory(), body="hi")
    with pytest.raises(services.ChatError, match="Write a message"):
        services.post_message(conversation=conversation, sender=conversation.patient, body="   ")
    with pytest.raises(services.ChatError, match="at most 2000"):
        services.post_message(conversation=conversation, sender=conversation.patient, body="x" * 2001)
    assert not Message.objects.exists()


def test_attachment_is_checked_by_content_and_kept_private(conversation, settings):
    message = services.post_message(conversation=conversation, sender=conversation.doctor, attachment=png_upload())
    assert message.attachment_kind == "png"
    assert message.attachment_name == "scan.png"
    assert message.attachment.name.startswith("chat/") and "scan" not in message.attachment.name
    assert str(settings.PRIVATE_MEDIA_ROOT) in message.attachment.path
    fake = SimpleUploadedFile("report.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    with pytest.raises(services.ChatError, match="not an accepted type"):
        services.post_message(conversation=conversation, sender=conversation.doctor, body="see file", attachment=fake)
    assert Message.objects.count() == 1


def test_mark_read_marks_only_the_other_persons_messages(conversation):
    theirs = MessageFactory(conversation=conversation, sender=conversation.doctor)
    mine = MessageFactory(conversation=conversation, sender=conversation.patient)
    assert services.mark_read(conversation=conversation, reader=conversation.patient) == 1
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.read_at is not None and mine.read_at is None
    assert services.mark_read(conversation=conversation, reader=conversation.patient) == 0


def test_an_attachment_is_decoded_outside_the_write_transaction(conversation, monkeypatch):
    from django.db import connection
    from PIL import ImageFile

    outside = len(connection.atomic_blocks)
    seen = []
    real_load = ImageFile.ImageFile.load

    def load(image):
        seen.append(len(connection.atomic_blocks))
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)

    message = services.post_message(conversation=conversation, sender=conversation.doctor, attachment=png_upload())

    assert message.attachment_kind == "png"
    assert seen and set(seen) == {outside}
