from .models import Membership


def staff_navigation(request):
    """The navbar's staff links: the signed-in user's approved memberships and their hospitals.

    One small query, none for anonymous visitors; suspended hospitals are left out.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(
        Membership.objects.active().filter(user=user)
        .select_related("hospital")
        .order_by("hospital__name", "role")
    )
    staff_hospitals = {}
    for membership in memberships:
        staff_hospitals.setdefault(membership.hospital.slug, membership.hospital)
    return {"nav_staff_hospitals": list(staff_hospitals.values()), "nav_memberships": memberships}
