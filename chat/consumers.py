"""``/ws/chat/<conversation id>/``: one participant's socket in a chat room.

Frames from the browser (JSON objects): ``{"type": "message", "body": "..."}``,
``{"type": "typing"}``, ``{"type": "read"}``. Frames to the browser: ``message`` (a saved
message, see services.serialize_message), ``typing``, ``read`` (``reader``, ``up_to``) and
``error`` (``code``, ``message``); a bad frame gets an error and the socket stays open.
"""

import json
import time
from collections import deque

from channels.db import database_sync_to_async

from healthstack import realtime
from healthstack.consumers import MAX_FRAME_CHARS, LiveConsumer, Refused

from . import services
from .models import MESSAGE_MAX_LENGTH, Conversation
from .permissions import can_chat

RATE_MESSAGES = 5
RATE_WINDOW_SECONDS = 5.0
RATE_FRAMES = 30  # any frame, typing included
TYPING_EVERY_SECONDS = 2.0


class ChatConsumer(LiveConsumer):
    conversation: Conversation

    def authorize(self, user) -> list[str]:
        conversation = (
            Conversation.objects.with_people().filter(pk=self.scope["url_route"]["kwargs"]["conversation_id"]).first()
        )
        # Someone else's conversation and no conversation look the same from outside.
        if conversation is None or not can_chat(user, conversation):
            raise Refused(realtime.CLOSE_FORBIDDEN)
        self.conversation = conversation
        self.sender_name = services.sender_name(conversation, user)
        self.sent_at = deque(maxlen=RATE_MESSAGES)
        self.frames_at = deque(maxlen=RATE_FRAMES)
        self.last_typing = 0.0
        return [services.chat_group(conversation.pk)]

    async def receive(self, text_data=None, bytes_data=None):
        now = time.monotonic()
        if self._over(self.frames_at, RATE_FRAMES, now):
            await self.send_error("rate_limited", "Too many frames; slow down.")
            return
        self.frames_at.append(now)
        if text_data is None:
            await self.send_error("bad_frame", "Send text frames holding JSON.")
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.send_error("too_large", f"A message can be at most {MESSAGE_MAX_LENGTH} characters.")
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self.send_error("bad_frame", "Frames must be JSON.")
            return
        if not isinstance(frame, dict):
            await self.send_error("bad_frame", "Frames must be JSON objects with a type.")
            return
        handler = {"message": self.on_message, "typing": self.on_typing, "read": self.on_read}.get(frame.get("type"))
        if handler is None:
            await self.send_error("unknown_type", "Unknown frame type.")
            return
        await handler(frame, now)

    @staticmethod
    def _over(stamps: deque, limit: int, now: float) -> bool:
        return len(stamps) >= limit and now - stamps[0] < RATE_WINDOW_SECONDS

    async def on_message(self, frame: dict, now: float) -> None:
        body = frame.get("body")
        if not isinstance(body, str) or not body.strip():
            await self.send_error("empty", "Write a message first.")
            return
        if len(body.strip()) > MESSAGE_MAX_LENGTH:
            await self.send_error("too_long", f"A message can be at most {MESSAGE_MAX_LENGTH} characters.")
            return
        if self._over(self.sent_at, RATE_MESSAGES, now):
            await self.send_error("rate_limited", "You are sending messages too fast. Wait a moment.")
            return
        self.sent_at.append(now)
        try:
            await database_sync_to_async(services.post_message)(
                conversation=self.conversation, sender=self.scope["user"], body=body
            )
        except services.ChatError as error:
            await self.send_error("refused", str(error))

    async def on_typing(self, frame: dict, now: float) -> None:
        if now - self.last_typing < TYPING_EVERY_SECONDS:
            return
        self.last_typing = now
        await self.channel_layer.group_send(services.chat_group(self.conversation.pk), {
            "type": services.CHAT_TYPING, "user": self.scope["user"].pk, "name": self.sender_name,
        })

    async def on_read(self, frame: dict, now: float) -> None:
        await database_sync_to_async(services.mark_read)(conversation=self.conversation, reader=self.scope["user"])

    async def chat_message(self, event):
        await self.send_json({"type": "message", "message": event["message"]})

    async def chat_typing(self, event):
        if event.get("user") != self.scope["user"].pk:
            await self.send_json({"type": "typing", "user": event.get("user"), "name": event.get("name", "")})

    async def chat_read(self, event):
        await self.send_json({"type": "read", "reader": event.get("reader"), "up_to": event.get("up_to")})
