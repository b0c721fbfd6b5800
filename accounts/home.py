"""The patient's home (/me/): cards and shortcuts other apps contribute, each shortcut with a count.

Apps register from their ``AppConfig.ready()``; accounts never imports them. Each count is
one query, so the page costs the same whatever the patient's history. A card is a template
plus a selector ``(user) -> dict`` giving its context, shown to patients (their next appointment)
or to doctors (the hospitals they practise at).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from healthstack.contributions import Contribution, in_order


@dataclass(frozen=True)
class Shortcut:
    key: str
    label: str
    icon: str
    url_name: str
    count: Callable  # (user) -> int
    describe: Callable  # (count) -> str, e.g. "2 upcoming"
    order: int = 50
    query: str = ""  # appended to the URL, e.g. "kind=prescription"


SHORTCUTS: dict[str, Shortcut] = {}


def register_shortcut(key: str, *, label, icon: str, url_name: str, count, describe, order: int = 50,
                      query: str = "") -> None:
    """Add (or replace) the shortcut ``key`` on every patient's home."""
    SHORTCUTS[key] = Shortcut(key, label, icon, url_name, count, describe, order, query)


def shortcuts_for(user) -> list[dict]:
    """The shortcuts in order, each with its URL, count and description for ``user``."""
    rows = []
    for shortcut in sorted(SHORTCUTS.values(), key=lambda s: (s.order, s.key)):
        count = shortcut.count(user)
        rows.append({"key": shortcut.key, "label": shortcut.label, "icon": shortcut.icon,
                     "url": reverse(shortcut.url_name) + (f"?{shortcut.query}" if shortcut.query else ""),
                     "count": count, "description": shortcut.describe(count)})
    return rows


@dataclass(frozen=True)
class HomeCard(Contribution):
    """A card on /me/; its selector takes (user)."""

    audience: str = "patient"  # or "doctor"


HOME_CARDS: dict[str, HomeCard] = {}


def register_home_card(key: str, *, template: str, selector, order: int = 50, audience: str = "patient") -> None:
    """Add (or replace) the card ``key`` on the home of every patient (beside the shortcuts) or doctor."""
    if audience not in ("patient", "doctor"):
        raise ValueError(f"a home card is for a 'patient' or a 'doctor', not {audience!r}")
    HOME_CARDS[key] = HomeCard(key=key, template=template, selector=selector, order=order, audience=audience)


def home_cards_for(user, *, audience: str) -> list[dict]:
    """The audience's cards in order, each with its template and the context its selector computed for ``user``."""
    return [card.filled(user=user) for card in in_order(c for c in HOME_CARDS.values() if c.audience == audience)]
