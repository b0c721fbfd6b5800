from django import template

register = template.Library()


@register.filter
def includes_doctor(memberships) -> bool:
    """Does this list of memberships (the navbar's ``nav_memberships``) hold a doctor's? No query."""
    return any(getattr(m, "role", None) == "doctor" for m in memberships or ())
