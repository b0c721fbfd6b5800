"""Small helpers every app's pages share: one page of a list, a date from the query string."""

from datetime import date

from django.conf import settings
from django.core.paginator import Paginator


def paginate(request, items, per_page=None):
    """The page of ``items`` the ``page`` query parameter asks for (the last one when it is past the end)."""
    return Paginator(items, per_page or settings.PAGE_SIZE).get_page(request.GET.get("page"))


def parse_date(text) -> date | None:
    """An ISO date (``2026-03-01``) from a query string or form value; None when it is missing or malformed."""
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None
