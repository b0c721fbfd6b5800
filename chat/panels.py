"""The chat panel on a doctor's /manage/<hospital>/: conversations waiting for their reply."""

from .selectors import conversations_with_unread


def unread_messages(*, hospital, user, memberships) -> dict:
    """The conversations waiting for ``user``'s reply (one query)."""
    return {"rows": [{"conversation": c, "name": c.display_name_for(user), "unread": c.unread}
                     for c in conversations_with_unread(user)]}
