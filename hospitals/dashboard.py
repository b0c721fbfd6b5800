"""What /manage/<hospital>/ shows each role: panels and role homes other apps contribute.

Apps register from their ``AppConfig.ready()``; hospitals never imports them. A panel is a
template included with the dashboard's context (``hospital``, ``user``, ``doctor_membership``);
it loads its own figures through one template tag, a fixed number of queries whatever the data.
"""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Panel:
    template: str
    roles: frozenset
    order: int = 50
    width: str = "col-lg-6"


PANELS: list[Panel] = []
ROLE_HOMES: dict[str, str] = {}


def register_panel(template: str, *, roles, order: int = 50, width: str = "col-lg-6") -> None:
    """Show ``template`` on the dashboard of staff holding any of ``roles`` (registering twice is harmless)."""
    panel = Panel(template, frozenset(roles), order, width)
    if panel not in PANELS:
        PANELS.append(panel)


def panels_for(roles) -> list[Panel]:
    """The panels for a member with ``roles`` at the hospital, in order."""
    return sorted((p for p in PANELS if p.roles & set(roles)), key=lambda p: (p.order, p.template))


def register_role_home(role: str, url_name: str) -> None:
    """Send a member whose only role at a hospital is ``role`` straight to ``url_name`` (it takes the slug)."""
    ROLE_HOMES[role] = url_name


def role_home_url(roles, hospital_slug: str) -> str | None:
    """The page a single-role member starts the day on instead of the overview, if one is registered."""
    if len(roles) != 1:
        return None
    url_name = ROLE_HOMES.get(next(iter(roles)))
    return reverse(url_name, args=[hospital_slug]) if url_name else None
