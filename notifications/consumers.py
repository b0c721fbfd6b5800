"""``/ws/notifications/``: the per-user socket that carries new notifications and chat messages."""

from healthstack import realtime
from healthstack.consumers import LiveConsumer


class NotificationConsumer(LiveConsumer):
    """``/ws/notifications/``: the signed-in user's new notifications and chat messages."""

    def authorize(self, user) -> list[str]:
        return [realtime.user_group(user.pk)]

    async def notification_new(self, event):
        await self.send_json({
            "type": "notification", "id": event.get("id"), "event": event.get("event", ""),
            "title": event.get("title", ""), "url": event.get("url", ""), "unread": event.get("unread"),
        })

    async def chat_new(self, event):
        await self.send_json({
            "type": "chat", "conversation": event.get("conversation"), "sender": event.get("sender", ""),
            "url": event.get("url", ""),
        })
