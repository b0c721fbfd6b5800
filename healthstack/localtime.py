"""Dates and times as the hospital's staff and patients read them: in the hospital's own time zone.

The database keeps UTC. Anything a person reads, a file name, a CSV cell, an email, a PDF,
goes through these helpers with the hospital it belongs to, never through a bare
``strftime`` or ``.date()`` of a stored datetime (that is the UTC date).
A hospital is anything with a ``tz`` (a ``zoneinfo.ZoneInfo``); healthstack imports no app's models.
"""

from contextlib import contextmanager
from datetime import date, datetime

from django.utils import timezone


def hospital_localtime(value: datetime, hospital) -> datetime:
    """``value`` (an aware datetime) as the hospital's wall-clock time."""
    return timezone.localtime(value, hospital.tz)


def hospital_now(hospital, now: datetime | None = None) -> datetime:
    """Now (or ``now``) in the hospital's zone."""
    return hospital_localtime(now or timezone.now(), hospital)


def local_date(value: datetime, hospital) -> date:
    """The calendar date of ``value`` at the hospital: 19:18 UTC on 29 Nov is 30 Nov in Dhaka."""
    return hospital_localtime(value, hospital).date()


def local_stamp(value: datetime | None, hospital, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``value`` formatted in the hospital's zone ("" for None), for CSV cells and file names."""
    return hospital_localtime(value, hospital).strftime(fmt) if value else ""


@contextmanager
def hospital_time(hospital):
    """Render templates (``|date``, ``|time``) in the hospital's zone for the duration of the block."""
    with timezone.override(hospital.tz):
        yield
