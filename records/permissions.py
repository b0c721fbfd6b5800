"""Who may see which part of a patient's health record (DESIGN.md, "Roles and tenancy").

- The patient sees all of it.
- A doctor sees it while there is a care relationship (below): with the patient's sharing
  consent on, what every hospital made; with it off, only what the doctor's own hospitals made.
- Receptionists see appointments, never clinical data; lab workers and pharmacists reach
  clinical data only through their hospital's orders (not here).

The care relationship
---------------------
A doctor and a patient have a care relationship when the patient has an appointment with one
of the doctor's doctor memberships that the hospital accepted and the patient kept:

=================  =======================================================  ======
status             how it got there                                         grants
=================  =======================================================  ======
awaiting_payment   booked with a fee, not paid yet                          no
expired            the payment hold ran out                                 no
requested          paid (or free), waiting for the hospital to accept       no
rejected           the hospital did not accept the request                  no
cancelled          by the patient: unpaid, while requested, or confirmed    no
confirmed          accepted by the hospital, token given                    yes
completed          the doctor saw the patient                               yes
no_show            accepted, the patient did not come                       yes
=================  =======================================================  ======

…and only while that membership is approved (a suspended, rejected or pending membership
grants nothing) at a hospital that is not suspended. A confirmed visit opens the record so the
doctor can prepare; it stays open after the visit (completed, no-show) for follow-up. Nothing
the hospital never accepted opens it, and a visit the patient cancelled (before the cut-off,
so before any care) closes it again. ``Appointment.CARE_RELATIONSHIP`` and
``AppointmentQuerySet.in_care()`` hold the rule; everything here, the doctor's patient list,
record pages, document downloads, prescriptions, the API and chat (``chat.permissions``) ask it.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils.translation import gettext

from appointments.models import Appointment
from hospitals.models import Membership


@dataclass(frozen=True)
class RecordScope:
    """What part of one patient's record a viewer may see: every hospital's items, or these hospitals' only."""

    all_hospitals: bool
    hospital_ids: frozenset = frozenset()

    def allows(self, hospital_id) -> bool:
        return self.all_hospitals or hospital_id in self.hospital_ids

    def narrow(self, queryset, *, field: str = "hospital_id"):
        """The rows of ``queryset`` this scope shows: all, or those made at its hospitals (``field``)."""
        return queryset if self.all_hospitals else queryset.filter(**{f"{field}__in": self.hospital_ids})


EVERYTHING = RecordScope(all_hospitals=True)


def doctor_memberships(doctor_user):
    """The doctor's approved memberships at hospitals that are not suspended."""
    return Membership.objects.doctors().active().filter(user=doctor_user)


def care_appointments(doctor_user):
    """Appointments that make a care relationship between ``doctor_user`` and their patient (see above)."""
    return Appointment.objects.in_care_of(doctor_user)


def patients_in_care(doctor_user):
    """Users (with a patient profile) who have a care relationship with ``doctor_user``."""
    return get_user_model().objects.filter(
        patient_profile__isnull=False,
        pk__in=care_appointments(doctor_user).values("patient_id"),
    )


def has_care_relationship(doctor_user, patient_user) -> bool:
    """True when ``patient_user`` has a confirmed, completed or no-show appointment with one of
    ``doctor_user``'s approved doctor memberships at a hospital that is not suspended. One query."""
    if not (doctor_user and doctor_user.is_authenticated and patient_user):
        return False
    return care_appointments(doctor_user).filter(patient=patient_user).exists()


def prescription_visit_problem(appointment) -> str | None:
    """Why no prescription may be linked to ``appointment``, or None when one may. One query.

    A prescription belongs to a visit the patient kept (arrived, called in or completed:
    ``AppointmentQuerySet.kept()``) within the care relationship (``in_care()``): never to a
    request the hospital rejected, a booking cancelled, expired or unpaid, or a no-show.
    """
    if Appointment.objects.in_care().kept().filter(pk=appointment.pk).exists():
        return None
    if appointment.status == Appointment.Status.CONFIRMED:
        return gettext("A prescription can be written only for a visit the patient kept (arrived, called in or "
                       "completed); this patient has not arrived or been called in yet.")
    if appointment.status == Appointment.Status.COMPLETED:  # kept, but the doctor or hospital is no longer active
        return gettext("A prescription can be written only for a visit within your care of this patient.")
    return gettext("A prescription can be written only for a visit the patient kept (arrived, called in or "
                   "completed); this visit is %(status)s.") % {"status": appointment.get_status_display().lower()}


def _sharing_consent(patient_user) -> bool:
    profile = getattr(patient_user, "patient_profile", None)
    return bool(profile and profile.sharing_consent)


def record_scope(user, patient, *, hospital=None) -> RecordScope | None:
    """The part of ``patient``'s record ``user`` may see, or None for none of it.

    ``hospital`` is the staff area the request came through: a doctor must be an approved
    doctor there. Makes one or two queries; no locks.
    """
    if not (user and user.is_authenticated and patient):
        return None
    if user.pk == patient.pk:
        return EVERYTHING
    memberships = doctor_memberships(user)
    if hospital is not None and not memberships.filter(hospital=hospital).exists():
        return None
    if not has_care_relationship(user, patient):
        return None
    if _sharing_consent(patient):
        return EVERYTHING
    return RecordScope(all_hospitals=False, hospital_ids=frozenset(memberships.values_list("hospital_id", flat=True)))


def can_view_record(user, patient, *, hospital=None) -> bool:
    """May ``user`` open ``patient``'s health record (through ``hospital``'s staff area if given)?"""
    return record_scope(user, patient, hospital=hospital) is not None


def can_view_item(user, item, *, hospital=None) -> bool:
    """May ``user`` see this prescription or document (its patient's consent and its hospital decide)?"""
    scope = record_scope(user, item.patient, hospital=hospital)
    return scope is not None and scope.allows(item.hospital_id)
