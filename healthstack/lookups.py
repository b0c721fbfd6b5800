"""Ids that arrive as text in a query string or a form (?doctor=12), read once, safely."""

import re

from django.http import Http404
from django.shortcuts import get_object_or_404

_ID = re.compile(r"[1-9][0-9]{0,17}")


def parse_id(text) -> int | None:
    """The positive integer id in ``text`` ("12"), or None for anything else ("abc", "1.5", "-3", "²", "")."""
    text = str(text or "").strip()
    return int(text) if _ID.fullmatch(text) else None


def get_by_id_or_404(queryset, text):
    """The row of ``queryset`` whose pk is the id in ``text``; raises Http404 when there is none.

    A malformed id is as unknown as a missing one: a 404, never a ValueError (a 500) from the database.
    """
    pk = parse_id(text)
    if pk is None:
        raise Http404("No such object.")
    return get_object_or_404(queryset, pk=pk)
