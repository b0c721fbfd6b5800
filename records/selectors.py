"""Reads of a patient's record, already narrowed to what the reader may see.

Staff never query clinical rows directly: ``records.services.read_patient_record`` and
``read_record_item`` check the reader, write the access log and hand back a :class:`RecordView`
whose querysets are built from the reader's :class:`~records.permissions.RecordScope`; the
``*_readable_by`` querysets below narrow a doctor's lookups by the same rule across patients.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q

from .models import ClinicalProfileRevision, MedicalDocument, PatientClinicalProfile, Prescription
from .permissions import RecordScope, doctor_memberships, patients_in_care

REVISIONS_SHOWN = 5


@dataclass(frozen=True)
class ClinicalProfileView:
    """Allergies and chronic conditions as one reader may see them, and who last wrote them."""

    allergies: str
    chronic_conditions: str
    updated_at: datetime | None
    updated_by: Any


@dataclass(frozen=True)
class RecordView:
    """One patient's record as ``scope`` shows it; ``item`` is the prescription or document asked for, if any."""

    patient: Any
    scope: RecordScope
    item: Any = None

    @property
    def prescriptions(self):
        return Prescription.objects.for_patient(self.patient).in_scope(self.scope)

    @property
    def documents(self):
        return MedicalDocument.objects.for_patient(self.patient).in_scope(self.scope)

    @property
    def profile_revisions(self):
        """Edits of the clinical profile made where ``scope`` reaches, newest first, with editor and hospital."""
        return (ClinicalProfileRevision.objects.for_patient(self.patient).in_scope(self.scope)
                .select_related("by", "hospital"))

    def clinical_profile(self) -> ClinicalProfileView | None:
        """The clinical profile in scope (None when nothing was recorded there). One query.

        With every hospital in scope it is the profile as last saved anywhere; otherwise it is
        the last edit made at one of the scope's hospitals, so another hospital's entries stay hidden.
        """
        if self.scope.all_hospitals:
            profile = PatientClinicalProfile.objects.filter(patient=self.patient).select_related("updated_by").first()
            if profile is None:
                return None
            return ClinicalProfileView(profile.allergies, profile.chronic_conditions, profile.updated_at,
                                       profile.updated_by)
        latest = self.profile_revisions.first()
        if latest is None:
            return None
        return ClinicalProfileView(latest.allergies, latest.chronic_conditions, latest.at, latest.by)


def _readable_by(queryset, doctor_user):
    """Rows of patients in ``doctor_user``'s care that each patient's consent lets them see:
    every hospital's with sharing on, otherwise only those made at the doctor's own hospitals."""
    own_hospitals = doctor_memberships(doctor_user).values("hospital_id")
    return queryset.filter(patient__in=patients_in_care(doctor_user)).filter(
        Q(patient__patient_profile__sharing_consent=True) | Q(hospital_id__in=own_hospitals)
    )


def prescriptions_readable_by(doctor_user, *, draft_author=None):
    """Prescriptions ``doctor_user`` may open; unissued drafts only those ``draft_author`` (a membership) wrote."""
    prescriptions = _readable_by(Prescription.objects.all(), doctor_user)
    drafts_hidden = Q(status=Prescription.Status.DRAFT)
    if draft_author is not None:
        drafts_hidden &= ~Q(membership=draft_author)
    return prescriptions.exclude(drafts_hidden).with_people()


def documents_readable_by(doctor_user):
    """Uploaded documents ``doctor_user`` may open (a patient's own uploads only with sharing on)."""
    return _readable_by(MedicalDocument.objects.all(), doctor_user)
