"""A socket's database work runs beside other sockets' and pages', not in one shared thread.

Django gives every HTTP request its own thread for sync code; Channels does not do this for
sockets, so without config.asgi's wrapper every socket of a process (session and user
look-ups, access checks, saving chat messages) queues behind one thread, and under load Daphne
drops handshakes that wait longer than its handshake timeout.
"""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async

from chat.consumers import ChatConsumer
from tests.sockets import fresh_channel_layer, session_cookie, socket  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_a_socket_stuck_in_database_work_does_not_hold_up_another_persons_socket(
        socket, session_cookie, patient, doctor, monkeypatch):
    from chat.models import Conversation

    conversation = await sync_to_async(Conversation.objects.create)(patient=patient, doctor=doctor)
    patient_cookie, doctor_cookie = [await sync_to_async(session_cookie)(user) for user in (patient, doctor)]
    stuck, release = threading.Event(), threading.Event()

    def slow_authorize(self, user):
        stuck.set()
        release.wait(10)  # a long query, a busy database
        raise AssertionError("never reached: the test releases it after the other socket is in")

    monkeypatch.setattr(ChatConsumer, "authorize", slow_authorize)
    first = asyncio.ensure_future(socket(f"/ws/chat/{conversation.pk}/", cookie=patient_cookie))
    try:
        await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, stuck.wait, 5), 6)
        other, connected = await asyncio.wait_for(socket("/ws/notifications/", cookie=doctor_cookie), 5)
        assert connected
        await other.disconnect()
    finally:
        release.set()
        first.cancel()
