"""Chat fixtures: a patient and doctor with a care relationship, their conversation, socket helpers."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from appointments.slots import local_now
from appointments.tests.factories import AppointmentFactory
from chat.tests.factories import ConversationFactory

ORIGIN = b"http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def _fresh_channel_layer(settings):
    """A new in-memory layer per test, so no group or message outlives its test."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def care_appointment(patient, doctor_membership):
    """A requested appointment of ``patient`` with ``doctor``: the care relationship."""
    return AppointmentFactory(
        membership=doctor_membership, patient=patient, date=local_now(doctor_membership.hospital).date() + timedelta(days=2)
    )


@pytest.fixture
def conversation(care_appointment):
    return ConversationFactory(patient=care_appointment.patient, doctor=care_appointment.membership.user)


@pytest.fixture
def session_cookie(db):
    """``session_cookie(user)``: the value of a Cookie header for a fresh login session of ``user``."""
    from django.conf import settings
    from django.test import Client

    def make(user):
        client = Client()
        client.force_login(user)
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    return make


@pytest.fixture
def socket(session_cookie):
    """``await socket(path, user=None, origin=ORIGIN)``: a connected WebsocketCommunicator on the real ASGI app.

    Returns ``(communicator, connected)``; the stack is the production one (origin check, sessions, auth).
    """
    from healthstack.asgi import application

    opened = []

    async def make(path, user=None, origin=ORIGIN):
        headers = [(b"host", b"127.0.0.1:8000")]
        if origin is not None:
            headers.append((b"origin", origin))
        if user is not None:
            cookie = await sync_to_async(session_cookie)(user)
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, _ = await communicator.connect()
        opened.append(communicator)
        return communicator, connected

    yield make
    # Communicators are closed by the tests (an async fixture would need the test's loop).
    opened.clear()
