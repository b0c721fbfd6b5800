"""Writes with rules for health records: the access log, prescriptions, uploads, consent."""

import logging
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import PatientProfile
from healthstack import mail
from healthstack.files import CheckedUpload
from healthstack.status import locked
from healthstack.verification import issue_document_code, supersede_document_code
from notifications.services import notify

from .models import (
    AccessLog,
    GENESIS_HASH,
    AccessLogHead,
    ClinicalProfileRevision,
    MedicalDocument,
    PatientClinicalProfile,
    Prescription,
    PrescriptionItem,
    RecordsError,
)
from .permissions import prescription_visit_problem, record_scope
from .selectors import RecordView

logger = logging.getLogger(__name__)

__all__ = ["RecordsError", "RecordAccessDenied"]

PRESCRIPTION_FIELDS = ("diagnosis", "advice", "recommended_tests", "follow_up_date")
ITEM_FIELDS = ("medicine_name", "strength", "dose", "frequency", "duration", "instructions")


class RecordAccessDenied(RecordsError):
    """The viewer may not see this record or item; views answer 404 so nothing is confirmed."""


# --- The access log ------------------------------------------------------------------


def _locked_head() -> AccessLogHead:
    # An UPDATE first: it takes the row lock on PostgreSQL and SQLite's write lock at once,
    # so two writers never read the same head and fork the chain.
    if not AccessLogHead.objects.filter(pk=1).update(sequence=F("sequence")):
        AccessLogHead.objects.get_or_create(pk=1)
        AccessLogHead.objects.filter(pk=1).update(sequence=F("sequence"))
    return AccessLogHead.objects.get(pk=1)


@transaction.atomic
def append_access_log(*, accessor, hospital, role: str, patient, object_type: str, object_id: int | None,
                      label: str, now: datetime | None = None) -> AccessLog:
    """Append one row to the chained access log and return it.

    Locks the log's head row for the rest of the transaction, so concurrent writers
    chain one after another. ``label`` names the item without clinical text.
    """
    head = _locked_head()
    row = AccessLog(
        sequence=head.sequence + 1, at=now or timezone.now(), accessor=accessor, hospital=hospital, role=role,
        patient=patient, object_type=object_type, object_id=object_id, label=label[:150],
        prev_hash=head.last_hash,
    )
    row.row_hash = row.compute_hash()
    row.save()
    AccessLogHead.objects.filter(pk=head.pk).update(sequence=row.sequence, last_hash=row.row_hash)
    return row


def read_patient_record(*, reader, patient, hospital=None, role: str = "doctor", label: str = "",
                        now: datetime | None = None) -> RecordView:
    """The one way to read a patient's whole record: check, log, and return it narrowed to the reader.

    Returns a RecordView whose querysets hold only what the reader's scope shows. Writes one
    AccessLog row (``label``, default "Health record") when staff read it; the patient reading
    their own record is not logged. Raises RecordAccessDenied when the reader may not see it
    (views answer 404). Locks the access log's head row when it writes.
    """
    scope = record_scope(reader, patient, hospital=hospital)
    if scope is None:
        raise RecordAccessDenied("No such patient record.")
    if reader.pk != patient.pk:
        append_access_log(accessor=reader, hospital=hospital, role=role, patient=patient,
                          object_type=AccessLog.ObjectType.RECORD, object_id=None, label=label or "Health record",
                          now=now)
    return RecordView(patient=patient, scope=scope)


def read_record_item(*, reader, items, pk, hospital=None, role: str = "doctor", object_type: str,
                     now: datetime | None = None) -> RecordView:
    """Read one prescription or document: find it among ``items``, check, log, and return it as ``.item``.

    ``items`` comes from records.selectors (``prescriptions_readable_by``, ``documents_readable_by``,
    or a RecordView's querysets), so it holds only rows the reader may see; the item's patient's
    scope is checked again before the row is logged. Writes one AccessLog row for a staff read.
    Raises RecordAccessDenied for an unknown or hidden item.
    """
    item = items.filter(pk=pk).first()
    if item is None:
        raise RecordAccessDenied("No such patient record.")
    patient = item.patient
    scope = record_scope(reader, patient, hospital=hospital)
    if scope is None or not scope.allows(item.hospital_id):
        raise RecordAccessDenied("No such patient record.")
    if reader.pk != patient.pk:
        append_access_log(accessor=reader, hospital=hospital, role=role, patient=patient, object_type=object_type,
                          object_id=item.pk, label=item.label, now=now)
    return RecordView(patient=patient, scope=scope, item=item)


def verify_access_log() -> tuple[int, str | None]:
    """Walk the chain in order; return (rows checked, None) or (rows checked, what is wrong first)."""
    expected_prev, expected_sequence, checked = GENESIS_HASH, 1, 0
    for row in AccessLog.objects.order_by("sequence").iterator(chunk_size=2000):
        if row.sequence != expected_sequence:
            return checked, f"row id {row.pk}: sequence {row.sequence}, expected {expected_sequence} (rows missing)"
        if row.prev_hash != expected_prev:
            return checked, f"row id {row.pk} (#{row.sequence}): does not follow the row before it"
        if row.compute_hash() != row.row_hash:
            return checked, f"row id {row.pk} (#{row.sequence}): its contents were changed"
        expected_prev, expected_sequence, checked = row.row_hash, expected_sequence + 1, checked + 1
    head = AccessLogHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence != checked or head.last_hash != expected_prev):
        return checked, f"the log ends at #{checked} but {head.sequence} rows were written (rows missing at the end)"
    return checked, None


def check_access_log_chain(*, now: datetime | None = None) -> str | None:
    """Verify the chain and, if it is broken, alert the operators by email; return the problem or None.

    Run nightly by ``records.tasks``; ``manage.py verify_access_log`` checks it by hand.
    """
    checked, problem = verify_access_log()
    if problem:
        logger.error("access log chain broken after %s good rows: %s", checked, problem)
        mail.alert_operators(
            subject=gettext("HealthStack: the access log's chain is broken"),
            text=gettext("The nightly check of the access log found a row that was changed or removed.\n\n"
                         "Rows checked and intact: %(checked)s\nFirst problem: %(problem)s\n\n"
                         "Run `manage.py verify_access_log` to see it again, and restore the log from a backup "
                         "if rows were removed.") % {"checked": checked, "problem": problem},
            about="access_log_broken", now=now,
        )
    return problem


# --- Clinical profile and consent -------------------------------------------------------------


@transaction.atomic
def update_clinical_profile(*, patient, by, hospital, allergies: str, chronic_conditions: str) -> PatientClinicalProfile:
    """Save the patient's allergies and chronic conditions and keep a revision of the edit."""
    profile, _ = PatientClinicalProfile.objects.select_for_update().get_or_create(patient=patient)
    profile.allergies, profile.chronic_conditions, profile.updated_by = allergies.strip(), chronic_conditions.strip(), by
    profile.save()
    ClinicalProfileRevision.objects.create(
        patient=patient, hospital=hospital, allergies=profile.allergies,
        chronic_conditions=profile.chronic_conditions, by=by,
    )
    return profile


@transaction.atomic
def set_sharing_consent(*, patient, consent: bool) -> PatientProfile:
    """Turn the patient's record sharing across hospitals on or off."""
    profile = PatientProfile.objects.select_for_update().get(user=patient)
    profile.sharing_consent = consent
    profile.save(update_fields=["sharing_consent"])
    return profile


# --- Prescriptions --------------------------------------------------------------------------


def _replace_items(prescription: Prescription, items: list[dict]) -> None:
    prescription.items.all().delete()
    rows = []
    for position, values in enumerate(items):
        row = PrescriptionItem(
            hospital_id=prescription.hospital_id, prescription=prescription, position=position,
            **{name: (values.get(name) or "").strip() for name in ITEM_FIELDS},
        )
        try:
            row.full_clean(exclude=["hospital", "prescription"])
        except ValidationError as error:
            raise RecordsError(f"Medicine {position + 1}: " + " ".join(error.messages)) from error
        rows.append(row)
    PrescriptionItem.objects.bulk_create(rows)


@transaction.atomic
def create_prescription(*, membership, patient, appointment=None, items: list[dict], **fields) -> Prescription:
    """Save a new draft prescription by ``membership`` (a doctor) for ``patient``.

    Raises RecordsError when the doctor has no care relationship with the patient, the
    appointment is not theirs with this patient, or it is not a visit the patient kept
    (``records.permissions.prescription_visit_problem``).
    """
    if record_scope(membership.user, patient, hospital=membership.hospital) is None:
        raise RecordAccessDenied("No such patient record.")
    if appointment is not None and (appointment.membership_id != membership.pk or appointment.patient_id != patient.pk):
        raise RecordAccessDenied("That appointment is not one of yours with this patient.")
    problem = prescription_visit_problem(appointment) if appointment is not None else None
    if problem:
        raise RecordsError(problem)
    prescription = Prescription.objects.create(
        hospital=membership.hospital, membership=membership, patient=patient, appointment=appointment,
        **{name: fields.get(name) for name in PRESCRIPTION_FIELDS if name in fields},
    )
    _replace_items(prescription, items)
    prescription.record_status(from_status="", by=membership.user)
    return prescription


@transaction.atomic
def update_prescription(*, prescription: Prescription, items: list[dict], **fields) -> Prescription:
    """Change a draft's fields and items. Locks the row; an issued prescription is refused."""
    prescription = locked(prescription)
    if not prescription.is_draft:
        raise RecordsError("An issued prescription never changes. Use “Correct” to write a new version.")
    for name in PRESCRIPTION_FIELDS:
        if name in fields:
            setattr(prescription, name, fields[name])
    prescription.save()
    _replace_items(prescription, items)
    return prescription


@transaction.atomic
def discard_prescription(*, prescription: Prescription) -> None:
    """Delete a draft (never an issued one)."""
    prescription = locked(prescription)
    if not prescription.is_draft:
        raise RecordsError("An issued prescription stays in the record; it cannot be deleted.")
    prescription.delete()


@transaction.atomic
def issue_prescription(*, prescription: Prescription, by, now: datetime | None = None) -> Prescription:
    """Issue a draft: give it a verification code, supersede the version it corrects, tell the patient.

    Locks this row (and the corrected one). Raises InvalidTransition if it is not a draft,
    RecordsError if it has no medicines.
    """
    prescription = locked(prescription, Prescription.objects.with_people())
    prescription.check_can_become(Prescription.Status.ISSUED)
    if not prescription.items.exists():
        raise RecordsError("Add at least one medicine before issuing the prescription.")
    now = now or timezone.now()
    old = None
    if prescription.supersedes_id:
        old = locked(Prescription(pk=prescription.supersedes_id),
                     Prescription.objects.select_related("document_code"))
        old.check_can_become(Prescription.Status.SUPERSEDED)
    prescription.issued_at = now
    prescription.document_code = issue_document_code(
        kind="prescription", hospital_name=prescription.hospital.name,
        patient_name=prescription.patient.full_name, doctor_name=prescription.doctor.display_name, issued_at=now,
    )
    prescription.transition_to(Prescription.Status.ISSUED, by=by, fields=["issued_at", "document_code"])
    if old is not None:
        old.transition_to(Prescription.Status.SUPERSEDED, by=by, reason=f"Corrected by version {prescription.version}.")
        supersede_document_code(old=old.document_code, new=prescription.document_code)
    notify(prescription.patient, "prescription_issued", {
        "doctor_name": prescription.doctor.display_name, "hospital_name": prescription.hospital.name,
        "is_correction": old is not None, "version": prescription.version,
    }, url=reverse("records:prescription", args=[prescription.pk]),
        group=f"appointment:{prescription.appointment_id}" if prescription.appointment_id else "")
    return prescription


@transaction.atomic
def start_correction(*, prescription: Prescription, membership) -> Prescription:
    """A new draft version of an issued prescription, with its fields and medicines copied.

    Returns the open correction if there is one already. Locks the issued row. Raises
    RecordsError unless ``membership`` wrote it and it is the current issued version.
    """
    prescription = locked(prescription)
    if prescription.membership_id != membership.pk:
        raise RecordsError("Only the doctor who wrote a prescription can correct it.")
    if prescription.status != Prescription.Status.ISSUED:
        raise RecordsError("Only the current issued version can be corrected.")
    existing = Prescription.objects.filter(supersedes=prescription).first()
    if existing is not None:
        return existing
    correction = Prescription.objects.create(
        hospital_id=prescription.hospital_id, membership=membership, patient_id=prescription.patient_id,
        appointment_id=prescription.appointment_id, version=prescription.version + 1, supersedes=prescription,
        **{name: getattr(prescription, name) for name in PRESCRIPTION_FIELDS},
    )
    _replace_items(correction, list(prescription.items.values(*ITEM_FIELDS)))
    correction.record_status(from_status="", by=membership.user, reason=f"Correction of version {prescription.version}.")
    return correction


# --- Uploaded documents ----------------------------------------------------------------------


@transaction.atomic
def add_medical_document(*, patient, upload: CheckedUpload, title: str, category: str, document_date: date,
                         source_name: str = "", hospital=None) -> MedicalDocument:
    """Store a checked file privately as a document in the patient's record."""
    document = MedicalDocument(
        patient=patient, hospital=hospital, title=title.strip(), category=category, document_date=document_date,
        source_name=source_name.strip(), file_kind=upload.kind, original_name=upload.original_name,
        size=upload.content.size,
    )
    document.file.save(upload.content.name, upload.content, save=False)
    # If the row cannot be written, the file must not stay behind.
    name, storage = document.file.name, document.file.storage
    try:
        document.save()
    except Exception:
        storage.delete(name)
        raise
    return document


@transaction.atomic
def delete_medical_document(*, document: MedicalDocument) -> None:
    """Remove the patient's own upload; the file goes once the row is gone."""
    if document.hospital_id is not None:
        raise RecordsError("Documents a hospital issued stay in your record.")
    name, storage = document.file.name, document.file.storage
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))
