"""Hospital panels other apps' pages show: a doctor's hospitals on their own home page."""

from django import template

from ..models import Membership

register = template.Library()


@register.inclusion_tag("hospitals/partials/doctor_hospitals.html")
def doctor_hospitals(user):
    """The doctor's applications and memberships, newest first, with their hospital and department."""
    return {"applications": Membership.objects.filter(user=user, role=Membership.Role.DOCTOR)
            .select_related("hospital", "department").order_by("-created_at")}
