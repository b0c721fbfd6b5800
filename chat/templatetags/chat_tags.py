from django import template

from chat.selectors import conversations_with_unread

register = template.Library()


@register.filter
def includes_doctor(memberships) -> bool:
    """Does this list of memberships (the navbar's ``nav_memberships``) hold a doctor's? No query."""
    return any(getattr(m, "role", None) == "doctor" for m in memberships or ())


@register.inclusion_tag("chat/partials/unread_messages.html")
def unread_messages(user):
    """The conversations waiting for ``user``'s reply (one query)."""
    conversations = conversations_with_unread(user)
    return {"rows": [{"conversation": c, "name": c.display_name_for(user), "unread": c.unread} for c in conversations]}
