from django.conf import settings
from django.urls import reverse


def demo_payments(request):
    """``demo_payments`` is true while payments go to the built-in sandbox, which takes no money.

    Every page then says so, on a demo server with DEBUG off as much as on a developer's machine.
    """
    return {"demo_payments": settings.SSLCOMMERZ_MODE == "local"}


def navigation(request):
    """What the navbar needs: the user's role links and unread notification count.

    Kept to at most two small queries, and none for anonymous visitors.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from hospitals.models import Membership
    from notifications.models import Notification

    memberships = list(
        Membership.objects.active().filter(user=user)
        .select_related("hospital")
        .order_by("hospital__name", "role")
    )
    staff_hospitals = {}
    for membership in memberships:
        staff_hospitals.setdefault(membership.hospital.slug, membership.hospital)
    return {
        "nav_staff_hospitals": list(staff_hospitals.values()),
        "nav_memberships": memberships,
        "nav_current_hospital": getattr(request, "hospital", None),
        "nav_current_roles": getattr(request, "roles", frozenset()),
        "nav_unread_count": Notification.objects.for_user(user).unread().count(),
        "nav_dashboard_url": reverse("dashboard"),
    }
