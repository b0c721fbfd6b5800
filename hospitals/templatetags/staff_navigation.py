from django import template

from ..navigation import nav_items_for

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_nav_items(context):
    """The staff bar's items for the member's roles at the hospital being shown (no query)."""
    hospital = context.get("nav_current_hospital")
    request = context.get("request")
    if hospital is None:
        return []
    return nav_items_for(context.get("nav_current_roles") or (), hospital.slug,
                         getattr(request, "resolver_match", None))
