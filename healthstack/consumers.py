"""The websocket consumer every HealthStack socket builds on, and the one for paths no route matches.

A socket opens once it has joined its groups, so nothing sent to them after it opens is missed.
When access is refused it opens and is closed at once with a code the browser scripts understand
(4401 signed out, 4403 not yours, 4404 no such thing): a plain refused handshake looks like a
network error and would be retried forever.
"""

import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from . import realtime

logger = logging.getLogger(__name__)

MAX_FRAME_CHARS = 8192


class Refused(Exception):
    """Raised by ``authorize`` to close the socket with ``code``."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Any socket path no route matches (/ws/other/, /ws/chat/abc/): closed with 4404, not a server error."""

    async def connect(self):
        await self.accept()
        await self.close(code=realtime.CLOSE_NOT_FOUND)


class LiveConsumer(AsyncWebsocketConsumer):
    """A signed-in user's socket that joins the groups ``authorize`` returns.

    Subclasses implement ``authorize(user) -> list[str]`` (sync, runs in a thread: it may use
    the ORM) raising ``Refused`` to deny. Every socket also joins its login session's group,
    so logging out closes it, and its user's, so signing them out everywhere closes it. Incoming frames are refused unless a subclass handles them.
    """

    allow_anonymous = False

    async def connect(self):
        user = self.scope.get("user")
        if not self.allow_anonymous and (user is None or not user.is_authenticated):
            await self.refuse(realtime.CLOSE_UNAUTHENTICATED)
            return
        try:
            groups = await database_sync_to_async(self.authorize)(user)
        except Refused as refusal:
            await self.refuse(refusal.code)
            return
        session = self.scope.get("session")
        if session is not None and getattr(session, "session_key", None):
            groups = [*groups, realtime.session_group(session.session_key)]
        if user is not None and user.is_authenticated:
            groups = [*groups, realtime.user_sockets_group(user.pk)]
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups.append(group)
        # Open only once in its groups: whatever the room hears after the socket opens reaches it.
        await self.accept()
        await self.joined()

    async def refuse(self, code: int) -> None:
        await self.accept()
        await self.close(code=code)

    def authorize(self, user) -> list[str]:
        raise NotImplementedError

    async def joined(self) -> None:
        """Called once the socket is in its groups."""

    async def receive(self, text_data=None, bytes_data=None):
        await self.send_error("read_only", "This socket only sends updates.")

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content, separators=(",", ":")))

    async def send_error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def session_closed(self, event):
        await self.close(code=realtime.CLOSE_SESSION_ENDED)

    async def live_update(self, event):
        await self.send_json({k: v for k, v in event.items() if k != "type"} | {"type": "update"})
