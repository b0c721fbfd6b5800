import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect

SESSION_KEY = "last_activity"
STAMP_EVERY_SECONDS = 60


class StaffIdleTimeoutMiddleware:
    """End a hospital staff member's session after STAFF_IDLE_TIMEOUT_MINUTES idle.

    A live page's own refreshes (header ``X-Live-Refresh``, sent by static/js/live.js) are
    not activity: a reception board left open must still time out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.session.get("is_hospital_staff"):
            now = time.time()
            last = request.session.get(SESSION_KEY)
            if last is not None and now - last > settings.STAFF_IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity.")
                return redirect(settings.LOGIN_URL)
            # Re-stamp at most once a minute: a session write on every page costs three queries.
            stale = last is None or now - last > STAMP_EVERY_SECONDS
            if stale and not request.headers.get("X-Live-Refresh"):
                request.session[SESSION_KEY] = now
        return self.get_response(request)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
    "form-action 'self' {form_targets}; base-uri 'self'; object-src 'none'"
)


class ContentSecurityPolicyMiddleware:
    """A CSP without inline scripts. Payment checkout may post to the gateway host."""

    def __init__(self, get_response):
        self.get_response = get_response
        extra = getattr(settings, "CSP_FORM_ACTION_EXTRA", [])
        self.header = CSP.format(form_targets=" ".join(extra)).strip()

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/__debug__/") or request.path.startswith("/admin/"):
            return response
        response.setdefault("Content-Security-Policy", self.header)
        return response
