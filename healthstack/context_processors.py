from django.conf import settings
from django.urls import reverse


def demo_payments(request):
    """``demo_payments`` is true while payments go to the built-in sandbox, which takes no money.

    Every page then says so, on a demo server with DEBUG off as much as on a developer's machine.
    """
    return {"demo_payments": settings.SSLCOMMERZ_MODE == "local"}


def navigation(request):
    """What the navbar needs that no app owns: where the user is and where their dashboard is.

    The apps add their own parts (staff hospitals, the unread count) with their own context
    processors, listed beside this one in settings; healthstack imports no app's models.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_current_hospital": getattr(request, "hospital", None),
        "nav_current_roles": getattr(request, "roles", frozenset()),
        "nav_dashboard_url": reverse("dashboard"),
    }
