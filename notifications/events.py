"""The notification events: each app registers its own from its ``AppConfig.ready()``.

notifications names none of them; an event's email body is ``templates/emails/<name>.txt``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    title: str  # a Django template string rendered with the context
    email: bool = True
    # A quiet event adds to an unread notification about the same thing instead of replacing it
    # (a receipt under "booking received", "visit completed" under "new prescription").
    quiet: bool = False


EVENTS: dict[str, Event] = {}


class UnknownEvent(KeyError):
    """notify() was given an event no app registered."""

    def __str__(self):
        return (f"unknown notification event {self.args[0]!r}: register it with "
                f"notifications.events.register_event() in its app's AppConfig.ready()")


def register_event(name: str, *, title, email: bool = True, quiet: bool = False) -> None:
    """Add (or replace) the event ``name``; ``title`` is a template string rendered with notify()'s context."""
    EVENTS[name] = Event(title, email, quiet)


def get_event(name: str) -> Event:
    """The registered event ``name``; raises UnknownEvent for a name no app registered."""
    try:
        return EVENTS[name]
    except KeyError:
        raise UnknownEvent(name) from None
