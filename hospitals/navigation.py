"""The staff bar under the navbar on /manage/<hospital>/ pages: items other apps contribute.

Apps register from their ``AppConfig.ready()``; hospitals never imports them. An item shows
for members holding any of its ``roles`` (and none of ``hidden_for``), in ``order``. Its URL
name takes the hospital's slug; an item whose page does not exist (yet) is simply left out.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    icon: str
    roles: frozenset  # empty: every staff role
    order: int = 50
    hidden_for: frozenset = frozenset()
    # Other pages under this item (a patient's chart under "Patients"): highlighted, not "current".
    also_active_on: tuple = ()
    # Every page of this app's URLs is this item's page (``hospital_payments``: the payments pages).
    app_name: str = ""


NAV_ITEMS: dict[str, NavItem] = {}


def register_nav_item(key: str, *, label, url_name: str, icon: str, roles=(), order: int = 50,
                      hidden_for=(), also_active_on=(), app_name: str = "") -> None:
    """Add (or replace) the staff bar item ``key``; ``url_name`` is reversed with the hospital's slug."""
    NAV_ITEMS[key] = NavItem(key, label, url_name, icon, frozenset(roles), order, frozenset(hidden_for),
                             tuple(also_active_on), app_name)


def nav_items_for(roles, hospital_slug: str, resolver_match=None) -> list[dict]:
    """The items a member with ``roles`` sees at the hospital, in order, each with its URL and whether
    it is the page being shown (``current``) or the section it belongs to (``active``). No query."""
    roles = set(roles)
    if not roles:
        return []
    view_name = getattr(resolver_match, "view_name", "")
    app_name = getattr(resolver_match, "app_name", "")
    rows = []
    for item in sorted(NAV_ITEMS.values(), key=lambda i: (i.order, i.key)):
        if (item.roles and not item.roles & roles) or item.hidden_for & roles:
            continue
        try:
            url = reverse(item.url_name, args=[hospital_slug])
        except NoReverseMatch:
            continue
        current = app_name == item.app_name if item.app_name else view_name == item.url_name
        rows.append({"key": item.key, "label": item.label, "icon": item.icon, "url": url, "current": current,
                     "active": current or view_name in item.also_active_on})
    return rows
