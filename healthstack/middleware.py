import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404
from django.shortcuts import redirect
from django.urls import Resolver404, get_resolver, get_urlconf

SESSION_KEY = "last_activity"
STAMP_EVERY_SECONDS = 60


class StaffIdleTimeoutMiddleware:
    """End a hospital staff member's session after STAFF_IDLE_TIMEOUT_MINUTES idle.

    The clock starts with the first staff page of a session. A live page's own refreshes
    (header ``X-Live-Refresh``, sent by static/js/live.js) are not activity: a reception board
    left open must still time out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = time.time()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.session.get("is_hospital_staff"):
            last = request.session.get(SESSION_KEY)
            if last is not None and now - last > settings.STAFF_IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity.")
                return redirect(settings.LOGIN_URL)
            # Re-stamp at most once a minute: a session write on every page costs three queries.
            stale = last is None or now - last > STAMP_EVERY_SECONDS
            if stale and not request.headers.get("X-Live-Refresh"):
                request.session[SESSION_KEY] = now
        response = self.get_response(request)
        # The staff guard marks the session during the view of its first staff page: the clock
        # starts there, or one desk page left open would never time out.
        session = getattr(request, "session", None)
        if session is not None and session.get("is_hospital_staff") and SESSION_KEY not in session:
            session[SESSION_KEY] = now
        return response


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self' {socket_origin}; frame-ancestors 'none'; "
    "form-action 'self' {form_targets}; base-uri 'self'; object-src 'none'"
)


def websocket_origin(site_url: str) -> str:
    """This site's own websocket origin (``wss://host`` for an https SITE_URL), or "" if unknown.

    CSP Level 3 lets 'self' match the same host's ws:/wss: already (Chromium, Firefox, Safari
    16+); naming the origin keeps older browsers working without allowing any other host.
    """
    parts = urlsplit(site_url)
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme)
    return f"{scheme}://{parts.netloc}" if scheme and parts.netloc else ""


class ContentSecurityPolicyMiddleware:
    """A CSP without inline scripts on every page, the Django admin included.

    Websockets may go to this site only. Payment checkout may post to the gateway host;
    the admin's forms post nowhere else.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        socket_origin = websocket_origin(settings.SITE_URL)
        extra = getattr(settings, "CSP_FORM_ACTION_EXTRA", [])
        self.header = " ".join(CSP.format(socket_origin=socket_origin, form_targets=" ".join(extra)).split())
        self.admin_header = " ".join(CSP.format(socket_origin=socket_origin, form_targets="").split())

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/__debug__/"):
            return response
        header = self.admin_header if request.path.startswith("/admin/") else self.header
        response.setdefault("Content-Security-Policy", header)
        return response


class FriendlyNotFoundMiddleware:
    """With DEBUG on, every "not found" a visitor can reach still gets the site's own 404 page.

    The demo runs with DEBUG on, and Django's technical 404 (every URL pattern listed, or the view
    that raised it) is not a page for its visitors: a URL that matches no route and a view that
    raises Http404 (a mistyped hospital, doctor or department, get_object_or_404, the tenancy
    guard) both get the 404 handler, which answers JSON under /api/. Every other error keeps
    Django's debug page. Innermost in MIDDLEWARE, so APPEND_SLASH, the CSP and the other
    middleware still see the response.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and request.resolver_match is None:
            return self._not_found(request, Resolver404({"path": request.path_info}))
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return self._not_found(request, exception)
        return None

    @staticmethod
    def _not_found(request, exception):
        return get_resolver(get_urlconf()).resolve_error_handler(404)(request, exception)
