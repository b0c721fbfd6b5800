"""Websocket paths no route matches close with 4404 through the real ASGI application."""

import pytest

from healthstack.realtime import CLOSE_NOT_FOUND
from tests.sockets import closed_with, fresh_channel_layer, session_cookie, socket  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/ws/other/", "/ws/chat/abc/", "/ws/chat/1.5/", "/ws/appointments/-1/",
                                  "/ws/manage/green life/reception/", "/not-a-socket/", "/ws/"])
async def test_unrouted_socket_path_closes_with_not_found(socket, patient, path):
    communicator, connected = await socket(path, user=patient)
    assert connected
    assert await closed_with(communicator) == CLOSE_NOT_FOUND


@pytest.mark.asyncio
async def test_unrouted_socket_path_closes_with_not_found_when_signed_out(socket):
    communicator, connected = await socket("/ws/chat/abc/")
    assert connected
    assert await closed_with(communicator) == CLOSE_NOT_FOUND


@pytest.mark.asyncio
async def test_routed_socket_still_reaches_its_consumer(socket):
    from healthstack.realtime import CLOSE_UNAUTHENTICATED

    communicator, connected = await socket("/ws/notifications/")
    assert connected
    assert await closed_with(communicator) == CLOSE_UNAUTHENTICATED
