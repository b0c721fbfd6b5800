from django.db import models

from .status import StatusMachine


class DocumentCode(StatusMachine, models.Model):
    """The public proof behind a PDF's verification code and QR.

    It stores only what the public /verify/<code>/ page may show: the kind of
    document, its date, the hospital, the doctor and the patient's initials;
    never clinical content. Apps issue codes through healthstack.verification.
    """

    class Kind(models.TextChoices):
        PRESCRIPTION = "prescription", "Prescription"
        LAB_REPORT = "lab_report", "Lab report"
        RECEIPT = "receipt", "Payment receipt"

    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        SUPERSEDED = "superseded", "Superseded by a newer version"
        VOID = "void", "Withdrawn"

    TRANSITIONS = {Status.VALID: {Status.SUPERSEDED, Status.VOID}}

    code = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.VALID)
    issued_at = models.DateTimeField()
    hospital_name = models.CharField(max_length=150)
    doctor_name = models.CharField(max_length=150, blank=True)
    patient_initials = models.CharField(max_length=10)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.code}"

    def record_status_change(self, *, from_status: str, to_status: str, by, reason: str) -> None:
        """No history row: a code changes once, and ``superseded_by`` (or the document's own history) records it."""
        return None
