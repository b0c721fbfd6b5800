from django.conf import settings
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


class OutgoingEmail(StatusMachine, models.Model):
    """One email on its way out: written in the request's transaction, sent by a task (healthstack.mail).

    It waits ``queued`` until a send succeeds (``sent``) or the attempts run out (``failed``); the
    operator may queue a failed one again. Attachments are named, not stored: ``[kind, ref]`` pairs
    whose renderers (``healthstack.mail.register_attachment``) make the file when the email is sent.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up"

    TRANSITIONS = {Status.QUEUED: {Status.SENT, Status.FAILED}, Status.FAILED: {Status.QUEUED}}

    to = models.EmailField()
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    about = models.CharField(max_length=80, blank=True, help_text="The event or template that wrote it.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(db_index=True)
    # A sender claims the email until this instant; a sender that dies leaves the claim to run out.
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.subject} → {self.to}"

    def record_status_change(self, *, from_status: str, to_status: str, by, reason: str) -> "EmailEvent":
        return self.events.create(kind=to_status, error=reason, by=by)


class EmailEvent(models.Model):
    """What happened to an outgoing email: queued, each failed attempt with its reason, sent, gave up."""

    class Kind(models.TextChoices):
        QUEUED = "queued", "Queued"
        ATTEMPT_FAILED = "attempt_failed", "Attempt failed"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up"

    email = models.ForeignKey(OutgoingEmail, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    error = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M:%S}"
