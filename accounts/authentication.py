"""The API's token authentication: django-rest-knox's, plus expiry by idleness for hospital staff."""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication

from . import services


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``. knox answers 401 for an unknown or expired key (and
    deletes expired rows); this records each use and keeps a staff member's token alive only
    while it is used (see ``services.record_api_token_use``).
    """

    def validate_user(self, auth_token):
        user, auth_token = super().validate_user(auth_token)
        services.record_api_token_use(token=auth_token, now=timezone.now())
        return user, auth_token


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes ``ExpiringTokenAuthentication``: ``Authorization: Token <key>``."""

    target_class = ExpiringTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
