"""The one way a list is cut into pages: ``PAGE_SIZE`` items (from the environment) per page."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from rest_framework.pagination import PageNumberPagination


def paginate(request, items, *, per_page: int | None = None) -> Page:
    """The page of ``items`` that ``?page=`` asks for (a missing or malformed number is the first
    page, one past the end the last). ``per_page`` is only for a list that must differ from
    ``PAGE_SIZE`` and says why where it passes it."""
    number = request.GET.get("page") if request is not None else None
    return Paginator(items, per_page or settings.PAGE_SIZE).get_page(number)


class ApiPagination(PageNumberPagination):
    """API lists page by the same ``PAGE_SIZE`` as the pages (``?page=``; ``count``, ``next``, ``previous``)."""

    def get_page_size(self, request):
        return settings.PAGE_SIZE
