"""Small helpers every app's pages share: one page of a list, a date from the query string."""

from datetime import date

from django.conf import settings
from django.core.paginator import Page, Paginator


def paginate(request, items, *, per_page: int | None = None) -> Page:
    """The page of ``items`` that ``?page=`` asks for, ``PAGE_SIZE`` items long (a missing or malformed
    number is the first page, one past the end the last). The one pager of every list; ``per_page``
    is only for a list that must differ from ``PAGE_SIZE`` and says why where it passes it."""
    number = request.GET.get("page") if request is not None else None
    return Paginator(items, per_page or settings.PAGE_SIZE).get_page(number)


def parse_date(text) -> date | None:
    """An ISO date (``2026-03-01``) from a query string or form value; None when it is missing or malformed."""
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None
