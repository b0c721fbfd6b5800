"""The one CSV writer: every CSV download of the site goes through ``csv_response``.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and
may do the same with one that starts with a tab or a carriage return. Names, emails and
codes people type can start that way, so every such text cell is written with a single
quote in front (OWASP's advice on CSV injection): the spreadsheet shows it as text.

Only text is neutralised. A number (``int``, ``Decimal``, ``float``) is data: a count of
-5 stays a number a spreadsheet can add up, so pass numbers as numbers, not formatted into
strings. ``None`` is an empty cell. Anything else (lazy translations, dates, choices) is
written as its text and checked like text.
"""

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """``value`` as it goes into a cell: text that would start a formula gets a leading quote; numbers untouched."""
    if value is None or isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Lines:
    """A file-like object for ``csv.writer`` that hands each written line back instead of storing it."""

    def write(self, line: str) -> str:
        return line


def csv_response(rows: Iterable[Sequence], *, filename: str) -> StreamingHttpResponse:
    """A streamed CSV download of ``rows`` (the header first), every cell through ``csv_cell``.

    ``rows`` is read lazily, after the view returns: a generator over ``.iterator()`` keeps a
    large export out of memory, but must not depend on anything the view changes only for its
    own duration (such as ``timezone.override``).
    """
    writer = csv.writer(_Lines())
    lines = (writer.writerow([csv_cell(value) for value in row]) for row in rows)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
