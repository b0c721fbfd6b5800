import hashlib
from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext

from appointments.models import Appointment
from healthstack import status as machine
from healthstack.files import private_storage
from healthstack.localtime import hospital_localtime, local_stamp
from healthstack.models import DocumentCode
from hospitals.models import Hospital, Membership


class RecordsError(Exception):
    """A records rule refused the change; the message is safe to show."""


class InvalidTransition(RecordsError, machine.InvalidTransition):
    """A prescription was asked to move to a status its current one does not lead to."""


class RecordScopedQuerySet(models.QuerySet):
    """Reads of a patient's clinical items, narrowed by who is looking (see records.permissions.RecordScope)."""

    def for_hospital(self, hospital):
        return self.filter(hospital=hospital)

    def for_patient(self, user):
        return self.filter(patient=user)

    def in_scope(self, scope):
        """Only the items ``scope`` lets its viewer see: all, or those made at the scope's hospitals."""
        return scope.narrow(self)


class PatientClinicalProfile(models.Model):
    """Allergies and long-term conditions a patient's doctors keep up to date across hospitals."""

    patient = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinical_profile")
    allergies = models.TextField(max_length=2000, blank=True)
    chronic_conditions = models.TextField(max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"Clinical profile of {self.patient_id}"


class ClinicalProfileRevision(models.Model):
    """The clinical profile as one doctor saved it: the edit history shown under it."""

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    hospital = models.ForeignKey(Hospital, null=True, on_delete=models.SET_NULL, related_name="+")
    allergies = models.TextField(blank=True)
    chronic_conditions = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = RecordScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"Clinical profile revision {self.pk}"


class PrescriptionQuerySet(RecordScopedQuerySet):
    def for_membership(self, membership):
        return self.filter(membership=membership)

    def visible_to_patient(self):
        """Drafts stay with the doctor until they are issued."""
        return self.exclude(status=Prescription.Status.DRAFT)

    def with_people(self):
        return self.select_related(
            "hospital", "patient", "patient__patient_profile", "membership", "membership__user",
            "membership__user__doctor_profile", "membership__department", "document_code",
        )


class Prescription(machine.StatusMachine, models.Model):
    """A doctor's prescription for a patient at one hospital; once issued it never changes.

    A correction is a new draft with ``supersedes`` pointing at the issued one and the next
    ``version``; issuing it marks the old one superseded (and its verification code too).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"
        SUPERSEDED = "superseded", "Superseded"

    TRANSITIONS = {
        Status.DRAFT: {Status.ISSUED},
        Status.ISSUED: {Status.SUPERSEDED},
    }
    invalid_transition = InvalidTransition

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="prescriptions")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prescriptions")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="prescriptions")
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="prescriptions"
    )
    diagnosis = models.TextField(max_length=2000, blank=True)
    advice = models.TextField(max_length=4000, blank=True)
    recommended_tests = models.TextField("recommended lab tests", max_length=1000, blank=True)
    follow_up_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="correction"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    document_code = models.OneToOneField(
        DocumentCode, null=True, blank=True, on_delete=models.PROTECT, related_name="prescription"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PrescriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(issued_at__isnull=False, document_code__isnull=False),
                name="prescription_issued_has_code",
            ),
        ]
        indexes = [models.Index(fields=["patient", "status"])]

    def __str__(self):
        return f"Prescription {self.pk} v{self.version} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def doctor(self):
        return self.membership.user.doctor_profile

    @property
    def number(self) -> str:
        """The prescription's reference as people read it: RX-000123 (a correction, a new row, has its own)."""
        return f"RX-{self.pk:06d}"

    @property
    def written_at(self) -> datetime:
        """When it was issued (a draft: when it was started)."""
        return self.issued_at or self.created_at

    @property
    def title(self) -> str:
        """What pages and the PDF call it, in the active language: "Prescription RX-000123 of 4 Dec 2026, 09:45".

        The time is the issuing hospital's (two of one day differ by number and time); reads ``hospital``.
        """
        when = date_format(hospital_localtime(self.written_at, self.hospital), "j M Y, H:i")
        return gettext("Prescription %(number)s of %(when)s") % {"number": self.number, "when": when}

    @property
    def label(self) -> str:
        """A short name with no clinical text, stored in the access log: its number and the hospital's time."""
        label = f"Prescription {self.number} of {local_stamp(self.written_at, self.hospital, '%d %b %Y %H:%M')}"
        return label if self.version == 1 else f"{label} (version {self.version})"

    def cannot_become_message(self, status: str) -> str:
        return f"A {self.get_status_display().lower()} prescription cannot become {self.Status(status).label.lower()}."


class PrescriptionStatusChange(machine.StatusChange):
    """One row per prescription status: drafted, issued, superseded; who and when. Written through healthstack.status."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=Prescription.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Prescription.Status.choices)


class PrescriptionItem(models.Model):
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    medicine_name = models.CharField(max_length=120)
    strength = models.CharField(max_length=40, blank=True)
    dose = models.CharField(max_length=80)
    frequency = models.CharField(max_length=80, blank=True)
    duration = models.CharField(max_length=60, blank=True)
    instructions = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.medicine_name} {self.strength}".strip()


class MedicalDocumentQuerySet(RecordScopedQuerySet):
    pass


class MedicalDocument(models.Model):
    """A file in the patient's record: a past record the patient uploaded (``hospital`` empty),
    or, later, a document a hospital made."""

    class Category(models.TextChoices):
        PRESCRIPTION = "prescription", "Prescription"
        REPORT = "report", "Test report"
        IMAGING = "imaging", "Imaging (X-ray, scan)"
        DISCHARGE_SUMMARY = "discharge_summary", "Discharge summary"
        OTHER = "other", "Other"

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="medical_documents")
    hospital = models.ForeignKey(Hospital, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=150)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    document_date = models.DateField()
    source_name = models.CharField("hospital or clinic", max_length=150, blank=True)
    file = models.FileField(upload_to="records/%Y/%m/", storage=private_storage)
    file_kind = models.CharField(max_length=8)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = MedicalDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-document_date", "-id"]

    def __str__(self):
        return self.title

    @property
    def label(self) -> str:
        return f"Uploaded document of {self.document_date:%d %b %Y}"

    @property
    def download_stem(self) -> str:
        """The download's name before the extension of the detected file kind."""
        return f"record-{self.document_date:%Y-%m-%d}-{self.pk}"


class AppendOnlyError(Exception):
    """The access log was asked to change or forget a row."""


class AccessLogQuerySet(models.QuerySet):
    def for_patient(self, user):
        return self.filter(patient=user)

    def update(self, **kwargs):
        raise AppendOnlyError("The access log is append-only.")

    def delete(self):
        raise AppendOnlyError("The access log is append-only.")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("The access log is append-only.")


GENESIS_HASH = "0" * 64


class AccessLog(models.Model):
    """Who opened which part of a patient's record, where and when. Written only by
    records.services.append_access_log; each row's hash covers the previous row's hash."""

    class ObjectType(models.TextChoices):
        RECORD = "record", "Health record"
        PRESCRIPTION = "prescription", "Prescription"
        PRESCRIPTION_PDF = "prescription_pdf", "Prescription PDF"
        DOCUMENT = "document", "Uploaded document"
        LAB_ORDER = "lab_order", "Lab order"
        LAB_REPORT = "lab_report", "Lab report"

    sequence = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    accessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    hospital = models.ForeignKey(Hospital, null=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="record_accesses")
    object_type = models.CharField(max_length=20, choices=ObjectType.choices)
    object_id = models.PositiveBigIntegerField(null=True)
    label = models.CharField(max_length=150)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["patient", "-sequence"])]

    @property
    def role_label(self) -> str:
        """The accessor's staff role as people read it ("Lab worker"), whatever the stored code."""
        return Membership.Role(self.role).label if self.role in Membership.Role.values else self.role

    def __str__(self):
        return f"#{self.sequence} {self.accessor_id} opened {self.object_type} of {self.patient_id}"

    def save(self, *args, **kwargs):
        # The one guard in save(): a stored row may never be rewritten through the ORM.
        if not self._state.adding:
            raise AppendOnlyError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The access log is append-only.")

    def compute_hash(self) -> str:
        """SHA-256 over the previous row's hash and every field of this row."""
        fields = [
            self.prev_hash, str(self.sequence), self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            str(self.accessor_id), str(self.hospital_id or ""), self.role, str(self.patient_id),
            self.object_type, str(self.object_id or ""), self.label,
        ]
        return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


class AccessLogHead(models.Model):
    """The one row writers lock to append: the last sequence number and hash of the chain."""

    sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self):
        return f"Access log head at #{self.sequence}"
