"""Who may see and act on lab orders and reports (DESIGN.md, "Roles and tenancy").

- The patient sees all of theirs.
- The hospital's lab workers and admins see that hospital's orders and reports, nothing else of
  the patient's record (each read is access-logged by ``labs.services.read_lab_*``).
- Doctors see reports under the records rules: a care relationship, and with the patient's
  sharing consent off only what their own hospitals made (``records.permissions.record_scope``).
- Receptionists and pharmacists see none.
"""

from hospitals.models import Membership
from records.permissions import doctor_memberships, record_scope

LAB_STAFF_ROLES = (Membership.Role.LAB_WORKER, Membership.Role.ADMIN)


def is_lab_staff(user, hospital) -> bool:
    """An approved lab worker or admin of ``hospital`` (at a hospital that is not suspended). One query."""
    return bool(user and user.is_authenticated) and Membership.objects.active().filter(
        user=user, hospital=hospital, role__in=LAB_STAFF_ROLES).exists()


def can_view_report(user, report, *, hospital=None, role: str = "") -> bool:
    """May ``user`` open ``report``: its patient; lab staff (``role``) of its hospital through that hospital's
    desk; or a doctor whose record scope for the patient reaches the report's hospital."""
    if not (user and user.is_authenticated):
        return False
    if user.pk == report.order.patient_id:
        return True
    if role in LAB_STAFF_ROLES and hospital is not None and report.hospital_id == hospital.pk:
        return True
    scope = record_scope(user, report.order.patient, hospital=hospital)
    return scope is not None and scope.allows(report.hospital_id)


def may_acknowledge(user, order) -> bool:
    """The ordering doctor, or a doctor caring for the patient who may see this hospital's results."""
    if user is None or not user.is_authenticated or user.pk == order.patient_id:
        return False
    if order.ordering_membership_id and order.ordering_membership.user_id == user.pk:
        return True
    if not doctor_memberships(user).exists():
        return False
    scope = record_scope(user, order.patient)
    return scope is not None and scope.allows(order.hospital_id)
