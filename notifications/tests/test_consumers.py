"""The per-user notifications socket and the broadcast helper."""

import logging

import pytest
from asgiref.sync import sync_to_async

from accounts.tests.factories import PatientFactory
from healthstack import realtime
from notifications.services import notify
from tests.sockets import closed_with, fresh_channel_layer, frame, session_cookie, socket  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.asyncio
async def test_notifications_socket_refuses_anonymous(socket):
    communicator, connected = await socket("/ws/notifications/")
    assert connected
    assert await closed_with(communicator) == realtime.CLOSE_UNAUTHENTICATED


@pytest.mark.asyncio
async def test_notifications_socket_refuses_a_foreign_origin(socket, patient):
    communicator, connected = await socket("/ws/notifications/", user=patient, origin=b"http://evil.example")
    assert not connected
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_new_notification_reaches_only_its_users_socket(socket, patient):
    other = await sync_to_async(PatientFactory)()
    mine, _ = await socket("/ws/notifications/", user=patient)
    theirs, _ = await socket("/ws/notifications/", user=other)
    await sync_to_async(notify)(patient, "hospital_approved", {"hospital_name": "<b>Green Life</b>"}, url="/x/")
    pushed = await frame(mine)
    assert pushed["type"] == "notification"
    assert pushed["title"] == "<b>Green Life</b> is approved on HealthStack"
    assert pushed["url"] == "/x/" and pushed["unread"] == 1
    assert await theirs.receive_nothing(timeout=0.3)
    await mine.disconnect()
    await theirs.disconnect()


@pytest.mark.asyncio
async def test_notifications_socket_is_read_only(socket, patient):
    communicator, _ = await socket("/ws/notifications/", user=patient)
    await communicator.send_to(text_data="{}")
    assert (await frame(communicator))["code"] == "read_only"
    await communicator.disconnect()


def test_broadcast_swallows_a_failing_layer(monkeypatch, caplog):
    class Broken:
        async def group_send(self, group, message):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(realtime, "get_channel_layer", lambda: Broken())
    with caplog.at_level(logging.WARNING, logger="healthstack.realtime"):
        realtime.broadcast("user-1", "notification.new", {"id": 1})
    assert "live push to user-1" in caplog.text


def test_notify_with_a_down_layer_still_stores_the_notification(monkeypatch, caplog, patient):
    class Broken:
        async def group_send(self, group, message):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(realtime, "get_channel_layer", lambda: Broken())
    with caplog.at_level(logging.WARNING, logger="healthstack.realtime"):
        notification = notify(patient, "hospital_approved", {"hospital_name": "Green Life"}, url="/x/")
    assert notification.pk and notification.title == "Green Life is approved on HealthStack"
    assert f"live push to user-{patient.pk}" in caplog.text
