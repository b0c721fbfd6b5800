"""What every /api/v1/ endpoint shares: the JSON body parser, the page size, the id field and the
text-field input check.

The schema generator is in api_schema.py (DRF loads it lazily; this module is loaded with
DRF's settings and must not import drf-spectacular).
"""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser

from .lookups import MAX_ID


class ApiPagination(PageNumberPagination):
    """API lists page by the same ``PAGE_SIZE`` as the pages (``?page=``; ``count``, ``next``, ``previous``)."""

    def get_page_size(self, request):
        return settings.PAGE_SIZE


class IdField(serializers.IntegerField):
    """An id sent in a body: a whole number from 1 to MAX_ID, the largest an id column holds.

    Every id the API takes is one of these, so a number no row can have is a 400 naming the field
    before it reaches the database, and the schema gives its minimum and maximum.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class ObjectJSONParser(JSONParser):
    """JSON bodies must be one object of fields; a list, string, number or null is a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise ParseError(_('Send the fields as one JSON object, such as {"name": "value"}.'))
        return data


def text_fields(data, names) -> dict:
    """The ``names`` present in an API body, for a Django form that expects text.

    A Django form turns a list or an object into its Python repr (``['x']``) or fails inside;
    so anything but text, a number or null is refused here, as DRF's own CharField does.
    Raises ValidationError ({field: [message]}, a 400) naming every such field.
    """
    values, errors = {}, {}
    for name in names:
        if name not in data:
            continue
        value = data.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int, float))):
            errors[name] = [_("Give a text value here, not a list, an object or true/false.")]
        else:
            values[name] = value
    if errors:
        raise ValidationError(errors)
    return values
