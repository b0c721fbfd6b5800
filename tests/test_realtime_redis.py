"""Several server processes: two Daphne processes share the throwaway Redis (channels-redis).

A chat message sent through a socket held by process A reaches the other participant's
socket held by process B, and the recipient's notifications socket on B hears of it too.
"""

import json

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from websockets.sync.client import connect

from tests.harness import LiveServer, database_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_servers(transactional_db, harness_dir, redis_url):
    servers = []
    try:
        for name in ("a", "b"):
            servers.append(LiveServer(
                database_url=database_url(connection.settings_dict),
                media_root=harness_dir / "media", private_media_root=harness_dir / "private_media",
                mail_dir=harness_dir / f"mail-{name}", log_path=harness_dir / f"daphne-redis-{name}.log",
                secret_key=settings.SECRET_KEY, extra_env={"REDIS_URL": redis_url},
            ).start())
        yield servers
    finally:
        for server in servers:
            server.stop()


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _open(server, path, cookie):
    return connect(f"ws://127.0.0.1:{server.port}{path}", origin=server.url,
                   additional_headers={"Cookie": cookie}, open_timeout=10, close_timeout=2)


def _next(ws, wanted_type, timeout=5.0) -> dict:
    while True:
        frame = json.loads(ws.recv(timeout=timeout))
        if frame["type"] == wanted_type:
            return frame


def test_message_through_one_process_reaches_a_socket_on_the_other(two_servers, patient, doctor_membership):
    from appointments.slots import local_now
    from appointments.tests.factories import AppointmentFactory
    from chat.models import Message
    from chat.tests.factories import ConversationFactory

    server_a, server_b = two_servers
    AppointmentFactory(membership=doctor_membership, patient=patient, date=local_now(doctor_membership.hospital).date(),
                       status="confirmed", token_number=1)  # a confirmed visit: the care relationship chat needs
    conversation = ConversationFactory(patient=patient, doctor=doctor_membership.user)
    room = f"/ws/chat/{conversation.pk}/"

    with _open(server_a, room, _cookie(patient)) as on_a, \
            _open(server_b, room, _cookie(doctor_membership.user)) as on_b, \
            _open(server_b, "/ws/notifications/", _cookie(doctor_membership.user)) as inbox_b:
        on_a.send(json.dumps({"type": "message", "body": "Sent through process A"}))
        received = _next(on_b, "message")
        assert received["message"]["body"] == "Sent through process A"
        assert received["message"]["id"] == Message.objects.get().pk
        assert _next(inbox_b, "chat")["conversation"] == conversation.pk

        on_b.send(json.dumps({"type": "read"}))
        assert _next(on_a, "read")["up_to"] == received["message"]["id"]
        on_b.send(json.dumps({"type": "message", "body": "And back through B"}))
        assert _next(on_a, "message")["message"]["body"] == "And back through B"
    assert Message.objects.count() == 2
