from decimal import Decimal

from django.db import models

from healthstack import status as machine


class SandboxSession(machine.StatusMachine, models.Model):
    """One checkout session the local gateway opened (its own state; the merchant's Payment is separate)."""

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        VALID = "VALID", "Valid"
        FAILED = "FAILED", "Failed"
        CANCELLED = "CANCELLED", "Cancelled"

    TRANSITIONS = {Status.PENDING: {Status.VALID, Status.FAILED, Status.CANCELLED}}

    sessionkey = models.CharField(max_length=64, unique=True)
    store_id = models.CharField(max_length=60)
    tran_id = models.CharField(max_length=60)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    product_name = models.CharField(max_length=255, blank=True)
    customer_name = models.CharField(max_length=150, blank=True)
    customer_email = models.CharField(max_length=254, blank=True)
    success_url = models.URLField(max_length=500)
    fail_url = models.URLField(max_length=500)
    cancel_url = models.URLField(max_length=500)
    ipn_url = models.URLField(max_length=500, blank=True)
    values = models.JSONField(default=dict, blank=True, help_text="value_a … value_d, echoed back.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    val_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    bank_tran_id = models.CharField(max_length=80, blank=True)
    card_type = models.CharField(max_length=60, blank=True)
    risk_level = models.PositiveSmallIntegerField(default=0)
    validation_count = models.PositiveIntegerField(default=0)
    callback = models.JSONField(default=dict, blank=True, help_text="The signed payload sent to the merchant.")
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["store_id", "tran_id"], name="sandbox_tran_id_once_per_store")]

    def __str__(self):
        return f"{self.tran_id} {self.status}"

    def record_status_change(self, *, from_status: str, to_status: str, by, reason: str) -> None:
        """No history row: a session settles once, and ``settled_at`` with the signed ``callback`` record it."""
        return None

    @property
    def refunded_total(self) -> Decimal:
        return sum((r.amount for r in self.refunds.all()), Decimal("0.00"))


class SandboxRefund(models.Model):
    session = models.ForeignKey(SandboxSession, on_delete=models.CASCADE, related_name="refunds")
    refund_ref_id = models.CharField(max_length=40, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    remarks = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.refund_ref_id} {self.amount}"
