"""Only the gateway's callbacks (and the local gateway's own server-to-server API) skip CSRF.

DRF's views are marked csrf_exempt by DRF itself, which then enforces CSRF for session
logins in SessionAuthentication; the debug toolbar exists only in DEBUG. Both are left out.
"""

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from payments import views
from payments.sandbox import views as sandbox_views

ALLOWED = {views.ipn, views.success, views.fail, views.cancel, sandbox_views.session_api}


def _views(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _views(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and not route.startswith("__debug__/"):
            view_class = getattr(entry.callback, "cls", None)
            if not (isinstance(view_class, type) and issubclass(view_class, APIView)):
                yield entry.callback


def test_only_gateway_callbacks_are_csrf_exempt():
    exempt = {view for view in _views(get_resolver().url_patterns) if getattr(view, "csrf_exempt", False)}

    assert exempt == ALLOWED


def test_sandbox_is_mounted_in_local_mode_only(settings):
    from django.urls import clear_url_caches
    import importlib

    import config.urls

    try:
        settings.SSLCOMMERZ_MODE = "live"
        clear_url_caches()
        live = importlib.reload(config.urls)
        assert not any("sandbox/sslcommerz/" in str(p.pattern) for p in live.urlpatterns)
    finally:
        settings.SSLCOMMERZ_MODE = "local"
        importlib.reload(config.urls)
        clear_url_caches()
