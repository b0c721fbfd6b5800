from functools import lru_cache

from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from . import health
from .models import DocumentCode


def healthz(request):
    """The state of the database, cache, channel layer and task queue (healthstack.health)."""
    status, body = health.check()
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


@lru_cache(maxsize=1)
def _favicon_bytes() -> bytes:
    with open(finders.find("img/favicon.svg"), "rb") as icon:
        return icon.read()


def favicon(request):
    """/favicon.ico, which browsers ask for on pages that name no icon (the admin, the API docs)."""
    response = HttpResponse(_favicon_bytes(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def error_400(request, exception=None):
    return render(request, "errors/400.html", status=400)


def error_403(request, exception=None):
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def error_404(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "errors/404.html", status=404)


def error_500(request):
    # No request context: the 500 page must render even when the database is down.
    from django.http import HttpResponseServerError

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error. Please try again."}, status=500)

    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def verify_document(request, code):
    """Public: is this document genuine? Shows no clinical content."""
    document = DocumentCode.objects.select_related("superseded_by").filter(code=code.strip().upper()).first()
    return render(request, "verify.html", {"document": document, "code": code},
                  status=200 if document else 404)


def lockout(request, credentials=None, *args, **kwargs):
    """django-axes lockout: a JSON error for the API, the friendly page elsewhere."""
    message = "Too many failed log-in attempts; try again in 15 minutes."
    if request.path.startswith("/api/"):
        return JsonResponse({"non_field_errors": [message]}, status=429)
    return render(request, "accounts/locked_out.html", status=429)
