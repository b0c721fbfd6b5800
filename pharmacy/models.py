"""A hospital pharmacy: its medicines, their batches, the stock ledger and the patients' medicine orders.

Stock is counted in each medicine's ``unit`` (a tablet, a bottle). A batch holds
``quantity_on_hand`` units on the shelf, ``quantity_reserved`` of them promised to orders
awaiting payment or being prepared. Every change of either number is one append-only
``StockMovement`` row carrying both changes, so the ledger's sums always equal the batch.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from healthstack import status as machine
from hospitals.models import Hospital, HospitalScopedQuerySet
from records.models import Prescription, PrescriptionItem

from .payable import PayableMedicineOrder

ZERO = Decimal("0.00")
MAX_LINE_QUANTITY = 1000


class PharmacyError(Exception):
    """A pharmacy rule refused the change; the message is safe to show.

    ``field`` names the input at fault (``quantity``, ``expiry_date``) and ``item`` the index of
    the order item it concerns, so a form or a JSON answer can put the message beside it.
    ``names_medicine`` says the message names the medicine already, so a page need not put
    the name before it.
    """

    def __init__(self, message, *, field: str = "", item: int | None = None, names_medicine: bool = False):
        super().__init__(message)
        self.message = message
        self.field = field
        self.item = item
        self.names_medicine = names_medicine

    def about(self, medicine) -> str:
        """The message for a page about ``medicine``, which it names once."""
        return self.message if self.names_medicine else f"{medicine.display_name}: {self.message}"


class InvalidTransition(PharmacyError, machine.InvalidTransition):
    """A medicine order was asked to move to a status its current one does not lead to."""

    def __init__(self, message):
        super().__init__(message, field="status")


class AppendOnlyError(Exception):
    """The stock ledger was asked to change or forget a row."""


class PharmacySettings(models.Model):
    """What a hospital's pharmacy offers beyond the counter: home delivery and its fee."""

    hospital = models.OneToOneField(Hospital, on_delete=models.CASCADE, related_name="pharmacy_settings")
    delivery_offered = models.BooleanField(_("home delivery offered"), default=False)
    delivery_fee = models.DecimalField(_("delivery fee"), max_digits=12, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name_plural = "pharmacy settings"
        constraints = [models.CheckConstraint(condition=Q(delivery_fee__gte=0), name="pharmacy_delivery_fee_not_negative")]

    def __str__(self):
        return f"Pharmacy settings of {self.hospital_id}"


class MedicineQuerySet(HospitalScopedQuerySet):
    def active(self):
        return self.filter(active=True)

    def search(self, text: str):
        """Medicines whose generic or brand name contains ``text`` (case-insensitive)."""
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(generic_name__icontains=text) | Q(brand_name__icontains=text))


class Medicine(models.Model):
    """One product a hospital's pharmacy sells: a generic in a brand, strength and dosage form."""

    class DosageForm(models.TextChoices):
        TABLET = "tablet", _("Tablet")
        CAPSULE = "capsule", _("Capsule")
        SYRUP = "syrup", _("Syrup")
        SUSPENSION = "suspension", _("Suspension")
        INJECTION = "injection", _("Injection")
        CREAM = "cream", _("Cream")
        OINTMENT = "ointment", _("Ointment")
        DROPS = "drops", _("Drops")
        INHALER = "inhaler", _("Inhaler")
        OTHER = "other", _("Other")

    # Forms counted dose by dose: a course of "1+0+1 for 7 days" is 14 of them (see services.prescribing).
    COUNTED_FORMS = (DosageForm.TABLET, DosageForm.CAPSULE)

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="medicines")
    generic_name = models.CharField(_("generic name"), max_length=120)
    brand_name = models.CharField(_("brand name"), max_length=120, blank=True)
    strength = models.CharField(_("strength"), max_length=40, blank=True)
    dosage_form = models.CharField(_("dosage form"), max_length=12, choices=DosageForm.choices)
    unit = models.CharField(_("unit"), max_length=30, help_text=_("What one is sold as: tablet, bottle, tube."))
    pack = models.CharField(_("pack"), max_length=60, blank=True, help_text=_("For example: strip of 10."))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="BDT")
    prescription_only = models.BooleanField(_("prescription only"), default=False)
    reorder_level = models.PositiveIntegerField(_("reorder level"), default=0)
    active = models.BooleanField(_("active"), default=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MedicineQuerySet.as_manager()

    class Meta:
        ordering = ["generic_name", "brand_name", "strength", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "generic_name", "brand_name", "strength", "dosage_form"],
                                    name="medicine_unique_per_hospital"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="medicine_unit_price_not_negative"),
        ]
        indexes = [models.Index(fields=["hospital", "generic_name"]), models.Index(fields=["hospital", "brand_name"])]

    def __str__(self):
        brand = f" ({self.brand_name})" if self.brand_name else ""
        return f"{self.generic_name}{brand} {self.strength}".strip()

    @property
    def display_name(self) -> str:
        return str(self)


class StockBatchQuerySet(HospitalScopedQuerySet):
    def for_medicine(self, medicine):
        return self.filter(medicine=medicine)

    def unexpired(self, today):
        """Batches still good on ``today`` (a batch expires at the end of its expiry date)."""
        return self.filter(expiry_date__gte=today)

    def expired(self, today):
        return self.filter(expiry_date__lt=today)

    def pickable(self, today):
        """Batches a unit can be taken from for an order: unexpired, something free, earliest expiry first."""
        return (self.unexpired(today).filter(quantity_on_hand__gt=F("quantity_reserved"))
                .order_by("expiry_date", "pk"))


class StockBatch(models.Model):
    """One delivery of a medicine with its batch number and expiry date."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    medicine = models.ForeignKey(Medicine, on_delete=models.PROTECT, related_name="batches")
    batch_number = models.CharField(_("batch number"), max_length=40)
    expiry_date = models.DateField(_("expiry date"), db_index=True)
    quantity_received = models.PositiveIntegerField(_("quantity received"))
    quantity_on_hand = models.IntegerField(_("on hand"), default=0)
    quantity_reserved = models.IntegerField(_("reserved"), default=0)
    cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2, default=ZERO)
    supplier = models.CharField(_("supplier"), max_length=120, blank=True)
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    objects = StockBatchQuerySet.as_manager()

    class Meta:
        ordering = ["expiry_date", "id"]
        verbose_name_plural = "stock batches"
        constraints = [
            models.UniqueConstraint(fields=["medicine", "batch_number"], name="stock_batch_number_unique_per_medicine"),
            models.CheckConstraint(condition=Q(quantity_on_hand__gte=0), name="stock_batch_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(quantity_reserved__gte=0), name="stock_batch_reserved_not_negative"),
            models.CheckConstraint(condition=Q(quantity_reserved__lte=F("quantity_on_hand")),
                                   name="stock_batch_reserved_within_on_hand"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="stock_batch_cost_not_negative"),
        ]

    def __str__(self):
        return f"{self.medicine} batch {self.batch_number} (exp. {self.expiry_date:%Y-%m-%d})"

    @property
    def quantity_available(self) -> int:
        return self.quantity_on_hand - self.quantity_reserved


class StockMovementQuerySet(HospitalScopedQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The stock ledger is append-only.")

    def delete(self):
        raise AppendOnlyError("The stock ledger is append-only.")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("The stock ledger is append-only.")


class StockMovement(models.Model):
    """One change to a batch: how its on-hand and reserved counts moved, why, by whom, when.

    ``quantity`` is the signed change of units on hand and ``reserved_change`` the signed
    change of units reserved; a batch's counts are the sums of its rows.
    """

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        RESERVED = "reserved", _("Reserved")
        RELEASED = "released", _("Released")
        DISPENSED = "dispensed", _("Dispensed")
        ADJUSTED = "adjusted", _("Adjusted")
        WRITTEN_OFF = "written_off", _("Written off as expired")
        RETURNED = "returned", _("Returned")

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(StockBatch, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    quantity = models.IntegerField(default=0)
    reserved_change = models.IntegerField(default=0)
    reason = models.CharField(max_length=255, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(db_index=True)
    order = models.ForeignKey("MedicineOrder", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="stock_movements")

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.quantity:+d} / {self.reserved_change:+d} on batch {self.batch_id}"

    def save(self, *args, **kwargs):
        # A stored movement is history: never rewritten through the ORM.
        if not self._state.adding:
            raise AppendOnlyError("The stock ledger is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The stock ledger is append-only.")


class MedicineOrderQuerySet(HospitalScopedQuerySet):
    def for_patient(self, user):
        return self.filter(patient=user)

    def carts(self):
        return self.filter(status=MedicineOrder.Status.CART)

    def placed(self):
        """Checked-out orders (not carts)."""
        return self.exclude(status=MedicineOrder.Status.CART)

    def stale_holds(self, now=None):
        return self.filter(status=MedicineOrder.Status.AWAITING_PAYMENT, hold_expires_at__lte=now or timezone.now())

    def with_people(self):
        return self.select_related("hospital", "patient", "prescription")


class MedicineOrder(PayableMedicineOrder, machine.StatusMachine, models.Model):
    """A patient's medicines from one hospital's pharmacy: a cart until checkout, then an order."""

    class Status(models.TextChoices):
        CART = "cart", _("Cart")
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        PAID = "paid", _("Paid")
        PREPARING = "preparing", _("Being prepared")
        READY = "ready", _("Ready")
        COLLECTED = "collected", _("Collected")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    TRANSITIONS = {
        Status.CART: {Status.AWAITING_PAYMENT, Status.CANCELLED},
        Status.AWAITING_PAYMENT: {Status.PAID, Status.CANCELLED, Status.EXPIRED},
        Status.PAID: {Status.PREPARING, Status.CANCELLED},
        Status.PREPARING: {Status.READY, Status.CANCELLED},
        Status.READY: {Status.COLLECTED, Status.OUT_FOR_DELIVERY},
        Status.OUT_FOR_DELIVERY: {Status.DELIVERED},
    }
    # Stock is reserved for the order in these statuses.
    HOLDING_STOCK = (Status.AWAITING_PAYMENT, Status.PAID, Status.PREPARING)
    # The patient has (or is about to have) these medicines: they count against a prescription.
    COUNTS_AGAINST_PRESCRIPTION = (Status.AWAITING_PAYMENT, Status.PAID, Status.PREPARING, Status.READY,
                                   Status.COLLECTED, Status.OUT_FOR_DELIVERY, Status.DELIVERED)
    DISPENSED = (Status.READY, Status.COLLECTED, Status.OUT_FOR_DELIVERY, Status.DELIVERED)
    invalid_transition = InvalidTransition

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="medicine_orders")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="medicine_orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CART, db_index=True)
    prescription = models.ForeignKey(Prescription, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="medicine_orders")
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO,
                                 help_text="Fixed at checkout: the lines' prices plus any delivery fee.")
    currency = models.CharField(max_length=3, default="BDT")
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    delivery = models.BooleanField(default=False)
    delivery_address = models.TextField(max_length=500, blank=True)
    delivery_fee = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    fill_note = models.TextField(max_length=1000, blank=True, help_text="Why part of the order was not filled.")
    refund_due = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO,
                                     help_text="What the unfilled part of a paid order is refunded.")
    status_reason = models.TextField(blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MedicineOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "patient"], condition=Q(status="cart"),
                                    name="medicine_order_one_cart_per_patient_per_hospital"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="medicine_order_amount_not_negative"),
            models.CheckConstraint(condition=Q(delivery=False) | ~Q(delivery_address=""),
                                   name="medicine_order_delivery_has_address"),
        ]
        indexes = [models.Index(fields=["hospital", "status"]), models.Index(fields=["patient", "status"])]

    def __str__(self):
        return f"Medicine order {self.number}"

    @property
    def number(self) -> str:
        """The order's reference as people read it: MO-000123."""
        return f"MO-{self.pk:06d}"

    @property
    def payment_time_ran_out(self) -> bool:
        """Awaiting payment past its hold: pages say so; the sweep later moves it to expired."""
        return (self.status == self.Status.AWAITING_PAYMENT and self.hold_expires_at is not None
                and self.hold_expires_at <= timezone.now())

    def record_status_change(self, *, from_status: str, to_status: str, by, reason: str, **history):
        """Write the history row; once committed, the patient's open order page refreshes itself.

        Here rather than in each service so that every move (desk, API, payment, sweep) reaches the page.
        """
        from .realtime import order_changed

        change = super().record_status_change(from_status=from_status, to_status=to_status, by=by, reason=reason,
                                              **history)
        if to_status != self.Status.CART:
            order_changed(order_id=self.pk, status=to_status)
        return change

    def cannot_become_message(self, status: str) -> str:
        return _("This medicine order is %(current)s; it cannot become %(target)s.") % {
            "current": str(self.get_status_display()).lower(), "target": str(self.Status(status).label).lower(),
        }


class MedicineOrderStatusChange(machine.StatusChange):
    """One row per medicine order status move: who, when, why. Written through healthstack.status."""

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(MedicineOrder, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=MedicineOrder.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=MedicineOrder.Status.choices)


class MedicineOrderLine(models.Model):
    """One medicine in an order: how many, its price when added, and its price fixed at checkout."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(MedicineOrder, on_delete=models.CASCADE, related_name="lines")
    medicine = models.ForeignKey(Medicine, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, help_text="The price when it was added.")
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                help_text="The unit price fixed at checkout.")
    prescription_item = models.ForeignKey(PrescriptionItem, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="medicine_order_lines")
    quantity_dispensed = models.PositiveIntegerField(null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "medicine"], name="medicine_order_line_once_per_medicine"),
            models.CheckConstraint(condition=Q(quantity__gte=1, quantity__lte=MAX_LINE_QUANTITY),
                                   name="medicine_order_line_quantity_1_to_1000"),
            models.CheckConstraint(condition=Q(quantity_dispensed__isnull=True)
                                   | Q(quantity_dispensed__lte=F("quantity")),
                                   name="medicine_order_line_dispensed_within_quantity"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.medicine_id}"

    @property
    def charged_unit_price(self) -> Decimal:
        return self.price if self.price is not None else self.unit_price

    @property
    def total(self) -> Decimal:
        return self.charged_unit_price * self.quantity


class LineAllocation(models.Model):
    """Units of one batch set aside for one order line at checkout, and how many were dispensed."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(MedicineOrderLine, on_delete=models.CASCADE, related_name="allocations")
    batch = models.ForeignKey(StockBatch, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField()
    quantity_dispensed = models.PositiveIntegerField(default=0)
    released = models.BooleanField(default=False)

    class Meta:
        ordering = ["batch__expiry_date", "batch_id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "batch"], name="line_allocation_once_per_batch"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="line_allocation_quantity_positive"),
            models.CheckConstraint(condition=Q(quantity_dispensed__lte=F("quantity")),
                                   name="line_allocation_dispensed_within_quantity"),
        ]

    def __str__(self):
        return f"{self.quantity} of batch {self.batch_id} for line {self.line_id}"
