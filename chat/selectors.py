"""Reads of the chat used beyond its own pages: unread counts for homes and dashboards."""

from .models import Conversation, Message


def unread_count(user) -> int:
    """Messages sent to ``user`` they have not read yet, across all their conversations (one query)."""
    return Message.objects.filter(conversation__in=Conversation.objects.for_user(user)).unread_by(user).count()


def conversations_with_unread(user, *, limit: int = 5) -> list[Conversation]:
    """``user``'s conversations holding unread messages, latest first, each annotated with ``unread`` (one query)."""
    return list(
        Conversation.objects.for_user(user).with_people().with_summary(user).filter(unread__gt=0)[:limit]
    )
