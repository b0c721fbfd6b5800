"""Websocket test fixtures, imported by the test modules and conftests that talk to consumers.

``socket``: ``await socket(path, user=None, origin=ORIGIN)`` opens a WebsocketCommunicator on the
production ASGI application (origin check, session cookie, auth) and returns ``(communicator,
connected)``. ``session_cookie(user)``: a Cookie header value for a fresh login session.
``fresh_channel_layer``: a new in-memory channel layer for each test (autouse where imported).
"""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

ORIGIN = b"http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def fresh_channel_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def session_cookie(db):
    from django.conf import settings
    from django.test import Client

    def make(user):
        client = Client()
        client.force_login(user)
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    return make


@pytest.fixture
def socket(session_cookie):
    from config.asgi import application

    async def make(path, user=None, origin=ORIGIN, cookie=None):
        headers = [(b"host", b"127.0.0.1:8000")]
        if origin is not None:
            headers.append((b"origin", origin))
        if user is not None and cookie is None:
            cookie = await sync_to_async(session_cookie)(user)
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, _ = await communicator.connect()
        return communicator, connected

    return make


async def closed_with(communicator) -> int | None:
    """The close code the server sent next (fails if it sent anything else)."""
    output = await communicator.receive_output(timeout=3)
    assert output["type"] == "websocket.close", output
    return output.get("code")


async def frame(communicator) -> dict:
    return json.loads(await communicator.receive_from(timeout=3))
