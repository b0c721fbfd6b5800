import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from healthstack import status as machine


class PaymentError(Exception):
    """A payment action that is not allowed now; the message is shown to the user."""


class InvalidTransition(PaymentError, machine.InvalidTransition):
    """A payment was asked to move to a status its current one does not lead to."""


def content_type_of(payable) -> ContentType:
    """The payable's content type, read from the table rather than ContentType's process-wide cache.

    A long-running server keeps that cache across test database flushes, which renumber content types.
    """
    meta = payable._meta
    return ContentType.objects.get(app_label=meta.app_label, model=meta.model_name)


class PaymentQuerySet(models.QuerySet):
    def for_hospital(self, hospital):
        return self.filter(hospital=hospital)

    def for_payer(self, user):
        return self.filter(payer=user)

    def for_payable(self, payable):
        return self.filter(
            content_type=content_type_of(payable), object_id=payable.pk
        )

    def abandoned(self, *, now: datetime | None = None, older_than: timedelta | None = None):
        """Attempts still waiting for the gateway after ``older_than`` (default: the payment hold).

        The payer left the checkout page; reconciliation asks the gateway about these and closes them.
        """
        if older_than is None:
            older_than = timedelta(minutes=settings.PAYMENT_HOLD_MINUTES)
        cutoff = (now or timezone.now()) - older_than
        return self.filter(status=Payment.Status.INITIATED, created_at__lte=cutoff)

    def without_abandoned(self, *, now: datetime | None = None):
        """Everything but :meth:`abandoned` attempts: what the payments desk lists by default."""
        cutoff = (now or timezone.now()) - timedelta(minutes=settings.PAYMENT_HOLD_MINUTES)
        return self.exclude(status=Payment.Status.INITIATED, created_at__lte=cutoff)

    def settled(self):
        """Money was taken: paid, on hold for review, or (partly) refunded."""
        return self.filter(status__in=Payment.MONEY_TAKEN)

    def standing(self):
        """The payments that stand: money taken for the payable, duplicates left out.

        A real payment refunded later (a cancellation) still stands, as refunded history; a
        second payment for something already paid (``duplicate_of``) does not.
        """
        return self.settled().filter(duplicate_of__isnull=True)

    def attempts(self):
        """Everything that is not a payment that stands: attempts still open or left, failed,
        cancelled, and duplicate payments (refunded)."""
        return self.exclude(status__in=Payment.MONEY_TAKEN, duplicate_of__isnull=True)

    def receipts(self):
        """The receipts to list beside what was paid for: one per payment that stands, newest first."""
        return self.standing().filter(receipt_code__isnull=False).order_by("-paid_at", "-pk")

    def with_people(self):
        return self.select_related("payer", "hospital", "receipt_code")


class Payment(machine.StatusMachine, models.Model):
    """One attempt to pay for one payable (an appointment, a lab order…) through SSLCommerz.

    The amount and currency are fixed here when the attempt starts; nothing the browser
    or the gateway sends changes them. ``on_hold`` is a status of its own: the gateway
    took the money but flagged it risky (risk_level 1), so the hospital accepts or refunds it.
    """

    class Status(models.TextChoices):
        INITIATED = "initiated", "Waiting for the gateway"
        PAID = "paid", "Paid"
        ON_HOLD = "on_hold", "Paid, on hold for review"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"

    MONEY_TAKEN = (Status.PAID, Status.ON_HOLD, Status.REFUNDED)
    TRANSITIONS = {
        Status.INITIATED: {Status.PAID, Status.ON_HOLD, Status.FAILED, Status.CANCELLED},
        # The validation API is the truth: a payment reported failed may still turn out paid.
        Status.FAILED: {Status.PAID, Status.ON_HOLD},
        Status.CANCELLED: {Status.PAID, Status.ON_HOLD},
        Status.ON_HOLD: {Status.PAID, Status.REFUNDED},
        Status.PAID: {Status.REFUNDED},
    }
    invalid_transition = InvalidTransition

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tran_id = models.CharField(max_length=30, unique=True)
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    hospital = models.ForeignKey("hospitals.Hospital", on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="BDT")
    description = models.CharField(max_length=255)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.INITIATED, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    payable = GenericForeignKey("content_type", "object_id")
    sessionkey = models.CharField(max_length=64, blank=True)
    val_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    bank_tran_id = models.CharField(max_length=80, blank=True)
    card_type = models.CharField(max_length=60, blank=True)
    risk_level = models.PositiveSmallIntegerField(null=True, blank=True)
    gateway_responses = models.JSONField(default=dict, blank=True)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    receipt_code = models.OneToOneField(
        "healthstack.DocumentCode", null=True, blank=True, on_delete=models.SET_NULL, related_name="payment"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates",
        help_text="The payment that already paid for the same thing; this one is refunded in full.",
    )

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=models.F("amount")),
                name="payment_refund_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["hospital", "created_at"]),
            models.Index(fields=["content_type", "object_id"]),
        ]

    def __str__(self):
        return f"{self.tran_id} {self.amount} {self.currency} ({self.status})"

    @property
    def refundable_amount(self) -> Decimal:
        if self.status not in (self.Status.PAID, self.Status.ON_HOLD, self.Status.REFUNDED):
            return Decimal("0.00")
        return self.amount - self.refunded_amount

    @property
    def is_abandoned(self) -> bool:
        """Still waiting for the gateway after the payment hold: the payer left this checkout (see ``abandoned``)."""
        cutoff = timezone.now() - timedelta(minutes=settings.PAYMENT_HOLD_MINUTES)
        return self.status == self.Status.INITIATED and self.created_at <= cutoff

    @property
    def has_receipt(self) -> bool:
        return self.receipt_code_id is not None

    def cannot_become_message(self, status: str) -> str:
        return f"This payment is {self.get_status_display().lower()}; it cannot become {status}."

    def record_status_change(self, *, from_status: str, to_status: str, by, reason: str, source: str = "",
                             data: dict | None = None) -> "PaymentEvent":
        """The payment's event log is its status history: one ``status`` event per move."""
        return PaymentEvent.objects.create(
            payment=self, kind=PaymentEvent.Kind.STATUS, source=source, note=reason[:255], by=by,
            from_status=from_status, to_status=to_status, data=data or {},
        )


class PaymentEvent(models.Model):
    """The payment's log: every status move, refund, rejected callback and gateway answer worth keeping."""

    class Kind(models.TextChoices):
        STARTED = "started", "Sent to the gateway"
        STATUS = "status", "Status changed"
        REFUND = "refund", "Refund"
        REFUND_FAILED = "refund_failed", "Refund not done"
        REJECTED = "rejected", "Callback rejected"
        NOTE = "note", "Note"

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=12, choices=Payment.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Payment.Status.choices, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    source = models.CharField(max_length=20, blank=True, help_text="ipn, success, fail, cancel, reconcile, staff…")
    note = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.payment_id} {self.kind} {self.from_status}→{self.to_status}"
