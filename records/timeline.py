"""One patient's record as a timeline: appointments, prescriptions, documents, and what other apps add.

Each kind of entry is registered (``register_timeline_kind``): records registers its own three
here, and apps above records (labs' reports, pharmacy's dispensed medicines) register theirs
from their ``AppConfig.ready()``. A kind lists its entries within the reader's scope in one
query (two for prescriptions and their medicines), so the timeline costs a fixed number of
queries whatever the length of the record, plus one for the hospitals filter.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment
from healthstack.localtime import local_date
from hospitals.models import Hospital

from .models import MedicalDocument, Prescription, PrescriptionItem
from .permissions import RecordScope

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
        return TIMELINE_KINDS[self.kind].template


@dataclass(frozen=True)
class TimelineKind:
    """A kind of timeline entry.

    ``entries(patient, *, scope, hospital_id, draft_author)`` returns the entries the scope shows
    (at most PER_KIND_LIMIT, one hospital's when ``hospital_id`` is given); ``hospitals(patient)``
    is a ``Q`` on Hospital matching the hospitals where this kind has entries (for the filter).
    ``order`` breaks ties between kinds on the same day (lower shows lower on the page).
    """

    key: str
    label: Any
    template: str
    entries: Callable
    hospitals: Callable | None = None
    order: int = 50


TIMELINE_KINDS: dict[str, TimelineKind] = {}


def register_timeline_kind(key: str, *, label, template: str, entries, hospitals=None, order: int = 50) -> None:
    """Add (or replace) the timeline kind ``key`` on every record page (patient's and staff's)."""
    TIMELINE_KINDS[key] = TimelineKind(key, label, template, entries, hospitals, order)


def timeline_kinds() -> list[TimelineKind]:
    return sorted(TIMELINE_KINDS.values(), key=lambda kind: (kind.order, kind.key))


def in_scope(queryset, scope: RecordScope, hospital_id: int | None = None):
    """Rows of ``queryset`` (with a ``hospital``) that ``scope`` shows, of one hospital if given."""
    queryset = scope.narrow(queryset)
    return queryset.filter(hospital_id=hospital_id) if hospital_id else queryset


def _appointments(patient, *, scope, hospital_id=None, draft_author=None):
    appointments = in_scope(Appointment.objects.for_patient(patient).exclude(status__in=UNPAID_HOLDS), scope,
                            hospital_id)
    return [TimelineEntry("appointment", appointment.date, appointment.hospital, appointment)
            for appointment in appointments.with_people().order_by("-date", "-start_time")[:PER_KIND_LIMIT]]


def _prescriptions(patient, *, scope, hospital_id=None, draft_author=None):
    visible = Q(status__in=[Prescription.Status.ISSUED, Prescription.Status.SUPERSEDED])
    if draft_author is not None:
        visible |= Q(status=Prescription.Status.DRAFT, membership=draft_author)
    prescriptions = in_scope(Prescription.objects.for_patient(patient), scope, hospital_id).with_people()
    prescriptions = prescriptions.filter(visible).prefetch_related(
        Prefetch("items", queryset=PrescriptionItem.objects.order_by("position", "id"))
    ).select_related("correction")
    return [TimelineEntry("prescription", local_date(p.written_at, p.hospital), p.hospital, p)
            for p in prescriptions[:PER_KIND_LIMIT]]


def _documents(patient, *, scope, hospital_id=None, draft_author=None):
    documents = in_scope(MedicalDocument.objects.for_patient(patient), scope, hospital_id).select_related("hospital")
    return [TimelineEntry("document", document.document_date, document.hospital, document)
            for document in documents[:PER_KIND_LIMIT]]


register_timeline_kind(
    "appointment", label=_("Appointments"), template="records/partials/timeline_appointment.html",
    entries=_appointments, order=10,
    hospitals=lambda patient: Q(appointments__patient=patient) & ~Q(appointments__status__in=UNPAID_HOLDS),
)
register_timeline_kind(
    "prescription", label=_("Prescriptions"), template="records/partials/timeline_prescription.html",
    entries=_prescriptions, order=20,
    hospitals=lambda patient: Q(prescriptions__patient=patient, prescriptions__status__in=["issued", "superseded"]),
)
register_timeline_kind(
    "document", label=_("Documents"), template="records/partials/timeline_document.html", entries=_documents,
    order=30,
)


def timeline_hospitals(patient, scope: RecordScope):
    """Hospitals that appear in the part of the record ``scope`` shows (for the filter)."""
    matches = [kind.hospitals(patient) for kind in timeline_kinds() if kind.hospitals]
    hospitals = Hospital.objects.filter(Q(*matches, _connector=Q.OR)) if matches else Hospital.objects.none()
    return scope.narrow(hospitals, field="pk").distinct().order_by("name")


def build_timeline(patient, *, scope: RecordScope, kind: str | None = None, hospital_id: int | None = None,
                   draft_author=None) -> list[TimelineEntry]:
    """The newest-first entries of ``patient``'s record that ``scope`` shows, filtered by kind and hospital.

    ``draft_author`` (a doctor membership) also sees their own unissued drafts.
    """
    kinds = [TIMELINE_KINDS[kind]] if kind in TIMELINE_KINDS else timeline_kinds()
    entries: list[TimelineEntry] = []
    for timeline_kind in kinds:
        entries.extend(timeline_kind.entries(patient, scope=scope, hospital_id=hospital_id, draft_author=draft_author))
    rank = {timeline_kind.key: position for position, timeline_kind in enumerate(timeline_kinds())}
    entries.sort(key=lambda entry: (entry.day, rank[entry.kind]), reverse=True)
    return entries
