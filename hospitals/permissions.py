"""The tenancy guard every /manage/<hospital>/ page passes through.

``hospital_role_required(*roles)`` (for function views) and ``HospitalRoleRequiredMixin``
(for class views) are one check: load the hospital by slug, require an approved
membership in one of the roles, and set ``request.hospital`` and
``request.membership``. A visitor gets the login page; a user with no approved
membership there gets a 404 (the hospital's staff area does not confirm it exists);
a member in another role gets a 403. Inside the view, times render in the hospital's zone.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from .models import Membership

Role = Membership.Role


def resolve_membership(request, hospital_slug: str, roles) -> None:
    """Set request.hospital / request.membership / request.roles or raise Http404 / PermissionDenied."""
    user = request.user
    memberships = list(
        Membership.objects.active().filter(user=user, hospital__slug=hospital_slug)
        .select_related("hospital", "department")
    )
    if not memberships:
        raise Http404("No such hospital staff area.")
    by_role = {m.role: m for m in memberships}
    allowed = [by_role[r] for r in roles if r in by_role] if roles else memberships
    if not allowed:
        raise PermissionDenied("Your role at this hospital does not include this page.")
    request.hospital = memberships[0].hospital
    request.membership = allowed[0]
    request.roles = frozenset(by_role)
    request.role_memberships = by_role
    # A signed-in browser session is marked as staff (it idles out sooner); a token-authenticated
    # API call carries no session, and marking one would write a new session row on every call.
    if request.session.session_key and not request.session.get("is_hospital_staff"):
        request.session["is_hospital_staff"] = True


def _in_hospital_time(request, view, *args, **kwargs):
    """Run ``view`` and render its page in the hospital's time zone: staff read times as their hospital's clock."""
    with timezone.override(request.hospital.tz):
        response = view(request, *args, **kwargs)
        if callable(getattr(response, "render", None)) and not getattr(response, "is_rendered", True):
            response.render()  # a TemplateResponse would otherwise render later, outside the zone
        return response


def hospital_role_required(*roles):
    """Decorator for views taking ``hospital_slug``; no roles means any approved staff role."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, hospital_slug, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            resolve_membership(request, hospital_slug, roles)
            return _in_hospital_time(request, view, *args, **kwargs)

        return wrapped

    return decorator


class HospitalRoleRequiredMixin:
    """Class-view face of the same guard: set ``allowed_roles`` on the view."""

    allowed_roles: tuple = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        resolve_membership(request, kwargs.pop("hospital_slug"), self.allowed_roles)
        return _in_hospital_time(request, super().dispatch, *args, **kwargs)


def has_role(request, *roles) -> bool:
    """In a guarded view or template: does the signed-in member hold one of these roles here?"""
    return bool(getattr(request, "roles", frozenset()) & set(roles))


class HospitalRolePermission:
    """DRF face of the same guard, for API views whose URL carries ``hospital_slug``.

    Set ``allowed_roles`` on the view. Not a member: 404 (JSON); another role: 403 (JSON).
    """

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        resolve_membership(request._request, view.kwargs["hospital_slug"], getattr(view, "allowed_roles", ()))
        request.hospital = request._request.hospital
        request.membership = request._request.membership
        return True

    def has_object_permission(self, request, view, obj):
        return True
