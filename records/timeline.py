"""One patient's record as a timeline: appointments, prescriptions and documents across hospitals.

A fixed number of queries whatever the length of the record: one per kind, one for the
prescriptions' medicines, one for the hospitals filter.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone

from appointments.models import Appointment
from hospitals.models import Hospital

from .models import MedicalDocument, Prescription, PrescriptionItem
from .permissions import RecordScope

KINDS = ("appointment", "prescription", "document")
# Bookings that never became a visit the record shows: a hold that was never paid.
UNPAID_HOLDS = (Appointment.Status.AWAITING_PAYMENT, Appointment.Status.EXPIRED)
PER_KIND_LIMIT = 300


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    day: date
    hospital: Hospital | None
    item: Any

    @property
    def template(self) -> str:
        return f"records/partials/timeline_{self.kind}.html"


def _prescriptions(patient, scope: RecordScope, draft_author):
    prescriptions = Prescription.objects.for_patient(patient).in_scope(scope).with_people()
    visible = Q(status__in=[Prescription.Status.ISSUED, Prescription.Status.SUPERSEDED])
    if draft_author is not None:
        visible |= Q(status=Prescription.Status.DRAFT, membership=draft_author)
    return prescriptions.filter(visible).prefetch_related(
        Prefetch("items", queryset=PrescriptionItem.objects.order_by("position", "id"))
    ).select_related("correction")


def timeline_hospitals(patient, scope: RecordScope):
    """Hospitals that appear in the part of the record ``scope`` shows (for the filter)."""
    hospitals = Hospital.objects.filter(
        Q(appointments__patient=patient) & ~Q(appointments__status__in=UNPAID_HOLDS)
        | Q(prescriptions__patient=patient, prescriptions__status__in=["issued", "superseded"])
    )
    if not scope.all_hospitals:
        hospitals = hospitals.filter(pk__in=scope.hospital_ids)
    return hospitals.distinct().order_by("name")


def build_timeline(patient, *, scope: RecordScope, kind: str | None = None, hospital_id: int | None = None,
                   draft_author=None) -> list[TimelineEntry]:
    """The newest-first entries of ``patient``'s record that ``scope`` shows, filtered by kind and hospital.

    ``draft_author`` (a doctor membership) also sees their own unissued drafts.
    """
    entries: list[TimelineEntry] = []
    kinds = [kind] if kind in KINDS else KINDS

    def narrowed(queryset):
        queryset = queryset.in_scope(scope) if hasattr(queryset, "in_scope") else queryset
        return queryset.filter(hospital_id=hospital_id) if hospital_id else queryset

    if "appointment" in kinds:
        appointments = Appointment.objects.for_patient(patient).exclude(status__in=UNPAID_HOLDS)
        if not scope.all_hospitals:
            appointments = appointments.filter(hospital_id__in=scope.hospital_ids)
        for appointment in narrowed(appointments).with_people().order_by("-date", "-start_time")[:PER_KIND_LIMIT]:
            entries.append(TimelineEntry("appointment", appointment.date, appointment.hospital, appointment))
    if "prescription" in kinds:
        for prescription in narrowed(_prescriptions(patient, scope, draft_author))[:PER_KIND_LIMIT]:
            day = timezone.localdate(prescription.issued_at or prescription.created_at)
            entries.append(TimelineEntry("prescription", day, prescription.hospital, prescription))
    if "document" in kinds:
        documents = MedicalDocument.objects.for_patient(patient).select_related("hospital")
        for document in narrowed(documents)[:PER_KIND_LIMIT]:
            entries.append(TimelineEntry("document", document.document_date, document.hospital, document))
    entries.sort(key=lambda entry: (entry.day, KINDS.index(entry.kind)), reverse=True)
    return entries
