"""The OpenAPI schema of /api/schema/: drf-spectacular plus the errors every operation can answer."""

from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import AllowAny

# DRF writes times as 09:30 or 09:30:00 with no offset; OpenAPI's "time" format demands one.
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

_DETAIL = {"type": "string"}
_ERROR_SCHEMAS = {
    "FieldErrors": {
        "type": "object",
        "description": "What was wrong: {field: [messages]}, non_field_errors for the whole request, "
                       "or detail for a body that could not be read.",
        "properties": {"detail": _DETAIL, "non_field_errors": {"type": "array", "items": {"type": "string"}}},
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
    "ErrorDetail": {
        "type": "object",
        "properties": {"detail": _DETAIL},
        "required": ["detail"],
    },
}
_ERROR_DESCRIPTIONS = {
    "400": gettext_lazy("The request was not valid; the answer names each field that was wrong."),
    "401": gettext_lazy("The credentials sent were wrong or have expired."),
    "403": gettext_lazy("Signed out, or not allowed to do this."),
    "404": gettext_lazy("No such object here (or not yours), or no such page of results."),
    "429": gettext_lazy("Too many attempts; wait and try again."),
}


class HealthStackAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the truth about errors and times, for every operation at once.

    Documents, beside each view's own answers: 400 for anything that takes input, 401 everywhere
    (a wrong token is refused even on public endpoints), 403 where sign-in or a role is needed
    and on unsafe methods (CSRF for session users), 404 for paths with ids and paged lists,
    429 where throttled or where the view says ``may_lock_out`` (the log-in lockout).
    Times are plain ``HH:MM[:SS]`` strings.
    """

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                name = "FieldErrors" if code in ("400", "429") else "ErrorDetail"
                component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name,
                                              schema=_ERROR_SCHEMAS[name])
                self.registry.register_on_missing(component)
                responses[code] = {
                    "content": {"application/json": {"schema": component.ref}},
                    "description": str(_ERROR_DESCRIPTIONS[code]),
                }
        return dict(sorted(responses.items()))

    def _error_codes(self) -> list[str]:
        unsafe = self.method not in SAFE_METHODS
        parameters = [p for p in self._get_parameters() if p.get("in") in ("query", "path")]
        query = {p["name"] for p in parameters if p["in"] == "query"}
        # A composed permission (IsAuthenticated | ...) is an operand, not a class: treat it as not public.
        public = all(isinstance(permission, type) and issubclass(permission, AllowAny)
                     for permission in self.view.permission_classes)
        codes = ["401"]
        if unsafe or query - {"page"}:
            codes.append("400")
        if unsafe or not public:
            codes.append("403")
        if any(p["in"] == "path" for p in parameters) or "page" in query:
            codes.append("404")
        if getattr(self.view, "throttle_classes", None) or getattr(self.view, "may_lock_out", False):
            codes.append("429")
        return codes

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            schema.pop("format")
            schema.update(pattern=TIME_PATTERN, example="09:30")
        return schema
