"""The chat socket through the production ASGI stack: origin check, session auth, the room's rules."""

import json

import pytest
from asgiref.sync import sync_to_async

from accounts.tests.factories import PatientFactory
from chat import consumers
from chat.models import MESSAGE_MAX_LENGTH, Message
from healthstack import realtime
from tests.sockets import closed_with, frame

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def messages_in(conversation) -> list[Message]:
    return await sync_to_async(list)(Message.objects.for_conversation(conversation).order_by("id"))


async def test_chat_socket_refuses_anonymous_with_4401(socket, conversation):
    communicator, connected = await socket(f"/ws/chat/{conversation.pk}/")
    assert connected
    assert await closed_with(communicator) == realtime.CLOSE_UNAUTHENTICATED


async def test_chat_socket_refuses_a_non_participant_with_4403(socket, conversation):
    stranger = await sync_to_async(PatientFactory)()
    communicator, _ = await socket(f"/ws/chat/{conversation.pk}/", user=stranger)
    assert await closed_with(communicator) == realtime.CLOSE_FORBIDDEN


async def test_chat_socket_refuses_a_missing_conversation_like_a_foreign_one(socket, patient):
    communicator, _ = await socket("/ws/chat/999999/", user=patient)
    assert await closed_with(communicator) == realtime.CLOSE_FORBIDDEN


async def test_chat_socket_refuses_a_foreign_origin(socket, conversation):
    communicator, connected = await socket(f"/ws/chat/{conversation.pk}/", user=conversation.patient,
                                           origin=b"https://evil.example")
    assert not connected
    await communicator.disconnect()


async def test_chat_socket_refuses_a_missing_origin(socket, conversation):
    communicator, connected = await socket(f"/ws/chat/{conversation.pk}/", user=conversation.patient, origin=None)
    assert not connected
    await communicator.disconnect()


async def test_message_is_saved_then_sent_to_both_participants(socket, conversation):
    patient_socket, _ = await socket(f"/ws/chat/{conversation.pk}/", user=conversation.patient)
    doctor_socket, _ = await socket(f"/ws/chat/{conversation.pk}/", user=conversation.doctor)

    await patient_socket.send_json_to({"type": "message", "body": "  The pain is back since last night.  "})
    received = await frame(doctor_socket)
    echoed = await frame(patient_socket)

    stored = await messages_in(conversation)
    assert [m.body for m in stored] == ["The pain is back since last night."]
    assert received == echoed
    assert received["type"] == "message"
    assert received["message"]["id"] == stored[0].pk
    assert received["message"]["sender"] == conversation.patient.pk
    assert received["message"]["sender_name"] == conversation.patient.full_name
    assert received["message"]["read"] is False
    await patient_socket.disconnect()
    await doctor_socket.disconnect()


async def test_html_in_a_message_is_stored_and_sent_as_text(socket, conversation):
    communicator, _ = await socket(f"/ws/chat/{conversation.pk}/", user=conversation.doctor)
    payload = '<img src=x onerror="alert(1)">'
    await communicator.send_json_to({"type": "message", "body": payload})
    assert (await frame(communicator))["message"]["body"] == payload
    await communicator.disconnect()


async def test_read_frame_marks_messages_read_and_tells_the_sender(socket, conversation):
    patient_socket, _ = await socket(f"/ws/chat/{conversation.pk}/", user=conversation.patient)
    doctor_socket, _ = await socket(f"/ws/chat/{conversation.pk}/", user=conversation.doctor)
    await patient_socket.send_json_to({"type": "message", "body": "Is the report ready?"})
    sent = (await frame(patient_socket))["message"]
    await frame(doctor_socket)

    await doctor_socket.send_json_to({"type": "read"})
    receipt = await frame(patient_socket)
    assert receipt == {"type": "read", "reader": conversation.doctor.pk, "up_to": sent["id"]}
    assert (await frame(doctor_socket))["type"] == "read"
    stored = await messages_in(conversation)
    assert stored[0].read_at is not None

    await doctor_socket.send_json_to({"type": "read"})  # nothing new: no second receipt
    assert await patient_socket.receive_nothing(timeout=0.3)
    await patient_socket.disconnect()
    await doctor_socket.disconnect()


async def test_typing_reaches_the_other_participant_only(socket, conversation):
    patient_socket, _ = await socket(f"/ws/chat/{conversation.pk}/", user=conversation.patient)
    doctor_socket, _ = await socket(f"/ws/chat/{conversation.pk}/", user=conversation.doctor)
    await doctor_socket.send_json_to({"type": "typing"})
    typing = await frame(patient_socket)
    assert typing["type"] == "typing"
    assert typing["user"] == conversation.doctor.pk
    assert typing["name"] == f"Dr. {conversation.doctor.full_name}"
    assert await doctor_socket.receive_nothing(timeout=0.3)
    await patient_socket.disconnect()
    await doctor_socket.disconnect()


async def test_flooding_gets_an_error_frame_and_nothing_more_is_stored(socket, conversation):
    communicator, _ = await socket(f"/ws/chat/{conversation.pk}/", user=conversation.patient)
    for number in range(consumers.RATE_MESSAGES + 2):
        await communicator.send_json_to({"type": "message", "body": f"hello {number}"})
    frames = [await frame(communicator) for _ in range(consumers.RATE_MESSAGES + 2)]
    assert [f["type"] for f in frames].count("message") == consumers.RATE_MESSAGES
    errors = [f for f in frames if f["type"] == "error"]
    assert len(errors) == 2 and {e["code"] for e in errors} == {"rate_limited"}
    assert len(await messages_in(conversation)) == consumers.RATE_MESSAGES
    await communicator.disconnect()


@pytest.mark.parametrize(("sent", "code"), [
    ("not json at all", "bad_frame"),
    ("[1, 2, 3]", "bad_frame"),
    ('"just a string"', "bad_frame"),
    (json.dumps({"type": "delete_everything"}), "unknown_type"),
    (json.dumps({"body": "no type"}), "unknown_type"),
    (json.dumps({"type": "message", "body": "   "}), "empty"),
    (json.dumps({"type": "message", "body": 42}), "empty"),
    (json.dumps({"type": "message"}), "empty"),
    (json.dumps({"type": "message", "body": "x" * (MESSAGE_MAX_LENGTH + 1)}), "too_long"),
    ("x" * 10_000, "too_large"),
])
async def test_bad_frame_gets_an_error_and_the_socket_stays_open(socket, conversation, sent, code):
    communicator, _ = await socket(f"/ws/chat/{conversation.pk}/", user=conversation.patient)
    await communicator.send_to(text_data=sent)
    error = await frame(communicator)
    assert error["type"] == "error" and error["code"] == code
    assert await messages_in(conversation) == []

    await communicator.send_json_to({"type": "message", "body": "still here"})
    assert (await frame(communicator))["message"]["body"] == "still here"
    await communicator.disconnect()


async def test_binary_frame_gets_an_error(socket, conversation):
    communicator, _ = await socket(f"/ws/chat/{conversation.pk}/", user=conversation.patient)
    await communicator.send_to(bytes_data=b"\x00\x01")
    assert (await frame(communicator))["code"] == "bad_frame"
    await communicator.disconnect()


async def test_message_of_exactly_the_limit_is_accepted(socket, conversation):
    communicator, _ = await socket(f"/ws/chat/{conversation.pk}/", user=conversation.patient)
    await communicator.send_json_to({"type": "message", "body": "y" * MESSAGE_MAX_LENGTH})
    assert len((await frame(communicator))["message"]["body"]) == MESSAGE_MAX_LENGTH
    await communicator.disconnect()


async def test_logging_out_closes_that_sessions_sockets(socket, conversation, session_cookie):
    from django.test import Client

    cookie = await sync_to_async(session_cookie)(conversation.patient)
    communicator, _ = await socket(f"/ws/chat/{conversation.pk}/", cookie=cookie)
    notifications, _ = await socket("/ws/notifications/", cookie=cookie)
    other_device, _ = await socket(f"/ws/chat/{conversation.pk}/", user=conversation.patient)

    def log_out():
        client = Client()
        name, value = cookie.split("=", 1)
        client.cookies[name] = value
        return client.post("/accounts/logout/")

    response = await sync_to_async(log_out)()
    assert response.status_code == 302
    assert await closed_with(communicator) == realtime.CLOSE_SESSION_ENDED
    assert await closed_with(notifications) == realtime.CLOSE_SESSION_ENDED
    # Another login session of the same person (another device) stays connected.
    await other_device.send_json_to({"type": "message", "body": "from the phone"})
    assert (await frame(other_device))["type"] == "message"
    for open_socket in (communicator, notifications, other_device):
        await open_socket.disconnect()
