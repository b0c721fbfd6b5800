"""Ids that arrive as text in a query string or a form (?doctor=12), read once, safely."""

import re

from django.http import Http404
from django.shortcuts import get_object_or_404

# Every id column is a BigAutoField: a signed 64-bit integer on SQLite and PostgreSQL alike. A larger
# number names nothing, and handed to the database driver it overflows (SQLite) instead of matching none.
MAX_ID = 2**63 - 1

_ID = re.compile(r"[1-9][0-9]{0,18}")


def parse_id(text) -> int | None:
    """The id in ``text`` ("12"): a whole number from 1 to MAX_ID, or None for anything else
    ("abc", "1.5", "-3", "²", "", 2**63)."""
    text = str(text or "").strip()
    return int(text) if _ID.fullmatch(text) and int(text) <= MAX_ID else None


def get_by_id_or_404(queryset, text):
    """The row of ``queryset`` whose pk is the id in ``text``; raises Http404 when there is none.

    A malformed id is as unknown as a missing one: a 404, never a ValueError (a 500) from the database.
    """
    pk = parse_id(text)
    if pk is None:
        raise Http404("No such object.")
    return get_object_or_404(queryset, pk=pk)
