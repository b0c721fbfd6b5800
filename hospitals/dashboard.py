"""What /manage/<hospital>/ shows each role: panels and role homes other apps contribute.

Apps register from their ``AppConfig.ready()``; hospitals never imports them. A panel is a
template plus a selector: the dashboard view calls the selector with the hospital, the user and
their memberships there (role → Membership) and renders the template with what it returns on
top of the dashboard's context. A selector costs a fixed number of queries whatever the data.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from healthstack.contributions import Contribution, in_order


@dataclass(frozen=True)
class Panel(Contribution):
    """A dashboard panel; its selector takes (*, hospital, user, memberships)."""

    roles: frozenset = frozenset()
    width: str = "col-lg-6"


PANELS: dict[str, Panel] = {}
ROLE_HOMES: dict[str, str] = {}


def register_panel(template: str, *, roles, selector: Callable | None = None, order: int = 50,
                   width: str = "col-lg-6") -> None:
    """Show ``template`` on the dashboard of staff holding any of ``roles``, with ``selector``'s context
    (registering the same template again replaces it)."""
    PANELS[template] = Panel(key=template, template=template, selector=selector, order=order,
                             roles=frozenset(roles), width=width)


def panels_for(roles) -> list[Panel]:
    """The panels for a member with ``roles`` at the hospital, in order."""
    return in_order(p for p in PANELS.values() if p.roles & set(roles))


def filled_panels(*, hospital, user, memberships: dict) -> list[dict]:
    """The member's panels in order, each with its template, width and the context its selector computed."""
    return [dict(panel.filled(hospital=hospital, user=user, memberships=memberships), width=panel.width)
            for panel in panels_for(memberships.keys())]


def register_role_home(role: str, url_name: str) -> None:
    """Send a member whose only role at a hospital is ``role`` straight to ``url_name`` (it takes the slug)."""
    ROLE_HOMES[role] = url_name


def role_home_url(roles, hospital_slug: str) -> str | None:
    """The page a single-role member starts the day on instead of the overview, if one is registered."""
    if len(roles) != 1:
        return None
    url_name = ROLE_HOMES.get(next(iter(roles)))
    return reverse(url_name, args=[hospital_slug]) if url_name else None
