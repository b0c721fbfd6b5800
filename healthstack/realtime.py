"""Live pushes to open sockets: one helper to broadcast after commit, the close codes and the
groups every socket shares. Each app names its own groups beside the code that sends to them
(appointments.realtime, chat.services).

Groups (channel-layer group names: ASCII letters, digits, hyphens and dots):

- ``user-<id>``: one user's notification sockets (``notification.new``, ``chat.new``)
- ``session-<hash>``: every socket opened with one login session; closed at logout
- ``sockets-<id>``: every socket of one user; closed when they are signed out everywhere

Frames sent to staff and patient pages carry ids, events and token numbers, never names or
clinical text: the page fetches its own fresh HTML through the same guarded view.
"""

import hashlib
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.dispatch import receiver

logger = logging.getLogger(__name__)

LIVE_UPDATE = "live.update"
SESSION_CLOSED = "session.closed"
# WebSocket close codes (4000–4999 are the application's): the browser scripts stop
# reconnecting on the first three.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_SESSION_ENDED = 4001


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def user_sockets_group(user_id: int) -> str:
    """The group of every socket one user has open, on any device or session."""
    return f"sockets-{user_id}"


def session_group(session_key: str) -> str:
    """The group of every socket opened with one login session; the key itself never leaves the server."""
    return "session-" + hashlib.sha256(session_key.encode()).hexdigest()[:32]


def send_now(group: str, message_type: str, payload: dict | None = None) -> bool:
    """group_send at once; return False (and log) when the channel layer fails. Never raises."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(group, {**(payload or {}), "type": message_type})
    except Exception:  # a down channel layer must not break the request that changed the data
        logger.warning("live push to %s (%s) failed", group, message_type, exc_info=True)
        return False
    return True


def broadcast(group: str, message_type: str, payload: dict | None = None) -> None:
    """Send ``payload`` as ``message_type`` to ``group`` once the current transaction commits.

    Outside a transaction it is sent at once. Layer errors are logged and swallowed.
    """
    payload = dict(payload or {})
    transaction.on_commit(lambda: send_now(group, message_type, payload))


@receiver(user_logged_out, dispatch_uid="healthstack.close_session_sockets")
def close_session_sockets(sender, request, user, **kwargs):
    """Logging out closes every socket that was opened with that session (other devices stay)."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        send_now(session_group(session_key), SESSION_CLOSED)


def close_user_sockets(user_ids) -> None:
    """Close every socket these users have open, once the current transaction commits."""
    for user_id in user_ids:
        broadcast(user_sockets_group(user_id), SESSION_CLOSED)
