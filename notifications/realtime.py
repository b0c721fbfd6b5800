"""Live pushes to open sockets: one helper to broadcast after commit, and the group names.

Groups (channel-layer group names: ASCII letters, digits, hyphens and dots):

- ``user-<id>``: one user's notification sockets (``notification.new``, ``chat.new``)
- ``session-<hash>``: every socket opened with one login session; closed at logout
- ``chat-<conversation id>``: the two participants' chat rooms
- ``hospital-<id>-reception``: the hospital's reception board
- ``membership-<id>-queue``: one doctor membership's queue page
- ``appointment-<id>``: the patient's page of one appointment
- ``display-<membership id>-<date>``: the public waiting-room screen (and patients waiting that day)

Frames sent to staff and patient pages carry ids, events and token numbers, never names or
clinical text: the page fetches its own fresh HTML through the same guarded view.
"""

import hashlib
import logging
from datetime import date

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


def session_group(session_key: str) -> str:
    """The group of every socket opened with one login session; the key itself never leaves the server."""
    return "session-" + hashlib.sha256(session_key.encode()).hexdigest()[:32]


def chat_group(conversation_id: int) -> str:
    return f"chat-{conversation_id}"


def reception_group(hospital_id: int) -> str:
    return f"hospital-{hospital_id}-reception"


def queue_group(membership_id: int) -> str:
    return f"membership-{membership_id}-queue"


def appointment_group(appointment_id: int) -> str:
    return f"appointment-{appointment_id}"


def display_group(membership_id: int, day: date) -> str:
    return f"display-{membership_id}-{day:%Y-%m-%d}"


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


def appointment_changed(*, appointment_id: int, hospital_id: int, membership_id: int, day: date, event: str,
                        now_serving: int | None = None) -> None:
    """After commit, tell every page that shows this appointment or its doctor's day to refresh.

    ``event`` is the new status or an action (``arrived``, ``now_serving``). The public display
    group (which the patients' pages of that day also join) hears only that the day's queue moved.
    """
    frame = {"event": event, "appointment": appointment_id, "date": day.isoformat()}
    broadcast(reception_group(hospital_id), LIVE_UPDATE, frame)
    broadcast(queue_group(membership_id), LIVE_UPDATE, frame)
    broadcast(appointment_group(appointment_id), LIVE_UPDATE, frame)
    queue_frame = {"event": "queue", "date": day.isoformat()}
    if now_serving is not None:
        queue_frame["now_serving"] = now_serving
    broadcast(display_group(membership_id, day), LIVE_UPDATE, queue_frame)


@receiver(user_logged_out, dispatch_uid="notifications.close_session_sockets")
def close_session_sockets(sender, request, user, **kwargs):
    """Logging out closes every socket that was opened with that session (other devices stay)."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        send_now(session_group(session_key), SESSION_CLOSED)
