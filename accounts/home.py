"""The patient's home (/me/): shortcuts other apps contribute, each with a count.

Apps register from their ``AppConfig.ready()``; accounts never imports them. Each count is
one query, so the page costs the same whatever the patient's history.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


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
