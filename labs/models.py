"""The laboratory: each hospital's test catalogue, orders from cart to report, results and report versions.

A LabTest has analytes; an analyte has reference ranges by sex and age band (in days, both
ends included, so a newborn band is 0–28). A LabOrder moves through ``LabOrder.TRANSITIONS``
only in ``labs.services``; its results are typed against the order (``report`` empty) and,
once verified, belong to a LabReport version that never changes. A correction is a new
version that supersedes the old one; both stay.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from healthstack import status as machine
from healthstack.models import DocumentCode
from hospitals.models import Hospital, HospitalScopedQuerySet, Membership
from records.models import Prescription

from .payable import PayableLabOrder

ADULT_AGE_DAYS = 18 * 365 + 5  # 18 years with the most leap days they can hold: surely an adult (no birth date known)
DEFAULT_MAX_RESULT = Decimal("1000000")


class LabError(Exception):
    """A lab rule refused the change. ``message`` is safe to show; ``field`` names the input at fault, if any."""

    def __init__(self, message, *, field: str | None = None, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or {}

    def __str__(self):
        return str(self.message)

    @property
    def message_dict(self) -> dict[str, list[str]]:
        """``{field: [message]}`` for every input at fault (``__all__`` when none is), for forms and JSON errors."""
        if self.errors:
            return {field: [str(message)] for field, message in self.errors.items()}
        return {self.field or "__all__": [str(self.message)]}


class CatalogueError(LabError):
    """A test, analyte or reference range that cannot be saved as given."""


class CartError(LabError):
    """A cart, checkout or cancellation the rules do not allow."""


class ResultError(LabError):
    """A sample, result, report or acknowledgement the rules do not allow."""


class InvalidTransition(LabError, machine.InvalidTransition):
    """A lab order was asked to move to a status its current one does not lead to."""


class LabAccessDenied(LabError):
    """The reader may not see this lab order or report; views answer 404 so nothing is confirmed."""


class LabTestQuerySet(HospitalScopedQuerySet):
    def active(self):
        return self.filter(active=True)

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(code__icontains=text) | Q(name__icontains=text))


class LabTest(models.Model):
    """A test a hospital's laboratory offers, at a price, with one or more analytes."""

    class Section(models.TextChoices):
        HAEMATOLOGY = "haematology", _("Haematology")
        BIOCHEMISTRY = "biochemistry", _("Biochemistry")
        MICROBIOLOGY = "microbiology", _("Microbiology")
        IMMUNOLOGY = "immunology", _("Immunology")
        SEROLOGY = "serology", _("Serology")
        URINE_STOOL = "urine_stool", _("Urine & stool")
        OTHER = "other", _("Other")

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="lab_tests")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=150)
    section = models.CharField(_("section"), max_length=20, choices=Section.choices, default=Section.OTHER)
    sample_type = models.CharField(_("sample type"), max_length=80, help_text=_("For example: venous blood (EDTA)"))
    preparation = models.TextField(_("preparation"), max_length=1000, blank=True,
                                   help_text=_("For example: fasting 8–10 h"))
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0.00"))])
    currency = models.CharField(max_length=3, default="BDT")
    turnaround_hours = models.PositiveSmallIntegerField(_("turnaround (hours)"), default=24)
    active = models.BooleanField(_("active"), default=True)
    requires_prescription = models.BooleanField(_("requires a prescription"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LabTestQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("code"), "hospital", name="lab_test_code_unique_per_hospital"),
            models.CheckConstraint(condition=Q(price__gte=0), name="lab_test_price_not_negative"),
            models.CheckConstraint(condition=Q(turnaround_hours__gte=1), name="lab_test_turnaround_positive"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class Analyte(models.Model):
    """One thing a test measures or reports (haemoglobin in a CBC), with its unit and how it is written."""

    class Kind(models.TextChoices):
        NUMERIC = "numeric", _("Number")
        TEXT = "text", _("Text")
        CHOICE = "choice", _("Choice")

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    lab_test = models.ForeignKey(LabTest, on_delete=models.CASCADE, related_name="analytes")
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    result_kind = models.CharField(_("result kind"), max_length=10, choices=Kind.choices, default=Kind.NUMERIC)
    choices = models.TextField(_("choices"), max_length=1000, blank=True, help_text=_("One per line."))
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=1)
    max_value = models.DecimalField(_("largest plausible value"), max_digits=18, decimal_places=6,
                                    default=DEFAULT_MAX_RESULT)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = HospitalScopedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "lab_test", name="analyte_name_unique_per_test"),
            models.CheckConstraint(condition=Q(decimals__lte=6), name="analyte_decimals_at_most_6"),
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})" if self.unit else self.name

    @property
    def is_numeric(self) -> bool:
        return self.result_kind == self.Kind.NUMERIC

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class ReferenceRange(models.Model):
    """The expected values of an analyte for a sex and an age band (days, both ends included; no end = for life).

    ``low``/``high`` bound the normal band; values beyond ``critical_low``/``critical_high`` are
    critical. Any of them may be empty (only an upper limit, say). Ranges of one analyte may not
    overlap for the same sex and age; "any" overlaps both sexes. ``labs.ranges`` checks and chooses them.
    """

    class Sex(models.TextChoices):
        ANY = "any", _("Any")
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    analyte = models.ForeignKey(Analyte, on_delete=models.CASCADE, related_name="ranges")
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, default=Sex.ANY)
    age_from_days = models.PositiveIntegerField(_("from age (days)"), default=0)
    age_to_days = models.PositiveIntegerField(_("to age (days)"), null=True, blank=True,
                                              help_text=_("Empty: no upper age."))
    low = models.DecimalField(_("low"), max_digits=18, decimal_places=6, null=True, blank=True)
    high = models.DecimalField(_("high"), max_digits=18, decimal_places=6, null=True, blank=True)
    critical_low = models.DecimalField(_("critical low"), max_digits=18, decimal_places=6, null=True, blank=True)
    critical_high = models.DecimalField(_("critical high"), max_digits=18, decimal_places=6, null=True, blank=True)
    interpretation = models.TextField(_("interpretation"), max_length=1000, blank=True)

    objects = HospitalScopedQuerySet.as_manager()

    class Meta:
        ordering = ["analyte_id", "sex", "age_from_days", "id"]

    def __str__(self):
        upper = self.age_to_days if self.age_to_days is not None else "…"
        return f"{self.get_sex_display()} {self.age_from_days}–{upper} d: {self.low}–{self.high}"

    def covers(self, age_days: int) -> bool:
        return self.age_from_days <= age_days and (self.age_to_days is None or age_days <= self.age_to_days)

    def clean(self):
        from .ranges import range_problem

        problem = range_problem(self)
        if problem is not None:
            raise ValidationError({problem.field: problem.message})


class PrescriptionLabTest(models.Model):
    """A catalogue test a doctor recommended on a prescription (records cannot name labs, so the link lives here)."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="recommended_lab_tests")
    lab_test = models.ForeignKey(LabTest, on_delete=models.PROTECT, related_name="recommendations")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["prescription", "lab_test"], name="prescription_lab_test_once"),
        ]

    def __str__(self):
        return f"{self.lab_test} on prescription {self.prescription_id}"


class LabOrderQuerySet(HospitalScopedQuerySet):
    def for_patient(self, user):
        return self.filter(patient=user)

    def carts(self):
        return self.filter(status=LabOrder.Status.CART)

    def placed(self):
        """Checked out: everything but open carts."""
        return self.exclude(status=LabOrder.Status.CART)

    def stale_holds(self, now):
        return self.filter(status=LabOrder.Status.AWAITING_PAYMENT, hold_expires_at__lte=now)

    def with_people(self):
        return self.select_related(
            "hospital", "patient", "patient__patient_profile", "ordering_membership", "ordering_membership__user",
            "ordering_membership__user__doctor_profile", "collected_by", "critical_acknowledged_by",
        )

    def with_lines(self):
        return self.prefetch_related(
            models.Prefetch("lines", queryset=LabOrderLine.objects.select_related("lab_test").order_by("id"))
        )


class LabOrder(PayableLabOrder, machine.StatusMachine, models.Model):
    """A patient's tests at one hospital: a cart, then an order paid for, sampled, analysed and reported."""

    class Status(models.TextChoices):
        CART = "cart", _("In cart")
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        PAID = "paid", _("Paid, awaiting sample")
        SAMPLE_COLLECTED = "sample_collected", _("Sample collected")
        IN_PROGRESS = "in_progress", _("In progress")
        REPORTED = "reported", _("Reported")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    # sample_collected → paid: the lab rejected the sample (haemolysed, clotted); it is taken again.
    TRANSITIONS = {
        Status.CART: {Status.AWAITING_PAYMENT, Status.CANCELLED},
        Status.AWAITING_PAYMENT: {Status.PAID, Status.CANCELLED, Status.EXPIRED},
        Status.PAID: {Status.SAMPLE_COLLECTED, Status.CANCELLED},
        Status.SAMPLE_COLLECTED: {Status.IN_PROGRESS, Status.PAID},
        Status.IN_PROGRESS: {Status.REPORTED},
    }
    AT_THE_LAB = (Status.SAMPLE_COLLECTED, Status.IN_PROGRESS)
    invalid_transition = InvalidTransition

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="lab_orders")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lab_orders")
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True)
    prescription = models.ForeignKey(Prescription, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="lab_orders")
    ordering_membership = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="lab_orders", help_text=_("The ordering doctor."))
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, default="BDT")
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    accession = models.CharField(max_length=24, blank=True)
    collected_at = models.DateTimeField(null=True, blank=True)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    due_at = models.DateTimeField(null=True, blank=True, help_text=_("Collection time plus the longest turnaround."))
    reported_at = models.DateTimeField(null=True, blank=True)
    has_critical = models.BooleanField(default=False)
    critical_acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                                 on_delete=models.SET_NULL, related_name="+")
    critical_acknowledged_at = models.DateTimeField(null=True, blank=True)
    critical_alerted_at = models.DateTimeField(null=True, blank=True,
                                               help_text=_("When the latest critical result was sent to the doctor."))
    critical_escalated_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LabOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "hospital"], condition=Q(status="cart"),
                                    name="lab_order_one_cart_per_patient_hospital"),
            models.UniqueConstraint(fields=["hospital", "accession"], condition=~Q(accession=""),
                                    name="lab_order_accession_unique_per_hospital"),
        ]
        indexes = [models.Index(fields=["hospital", "status"]), models.Index(fields=["patient", "status"])]

    def __str__(self):
        return self.accession or f"Lab order {self.pk}"

    @property
    def critical_pending(self) -> bool:
        """A critical result nobody has acknowledged yet."""
        return self.has_critical and self.critical_acknowledged_at is None

    def cannot_become_message(self, status: str) -> str:
        return str(_("This lab order is %(now)s; it cannot become %(then)s.") % {
            "now": self.get_status_display().lower(), "then": str(self.Status(status).label).lower()})


class LabOrderStatusChange(machine.StatusChange):
    """One row per lab order status move: who, when, why. Written through healthstack.status."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(LabOrder, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=LabOrder.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=LabOrder.Status.choices)


class LabOrderLine(models.Model):
    """One test in an order, at the price it had when it entered the cart and the price charged at checkout."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(LabOrder, on_delete=models.CASCADE, related_name="lines")
    lab_test = models.ForeignKey(LabTest, on_delete=models.PROTECT, related_name="order_lines")
    prescription = models.ForeignKey(Prescription, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", help_text=_("The prescription that recommended it."))
    price = models.DecimalField(max_digits=12, decimal_places=2)
    price_at_checkout = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["order", "lab_test"], name="lab_order_line_test_once")]

    def __str__(self):
        return f"{self.lab_test} in {self.order}"


class AccessionCounter(models.Model):
    """The last accession number a hospital gave in a year; its row is the lock that numbers samples."""

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hospital", "year"], name="accession_counter_per_year")]

    def __str__(self):
        return f"{self.hospital_id}/{self.year}: {self.last}"


class LabReportQuerySet(HospitalScopedQuerySet):
    def current(self):
        """Versions no later version supersedes."""
        return self.filter(amendment__isnull=True)

    def for_patient(self, user):
        return self.filter(order__patient=user)

    def in_scope(self, scope):
        return scope.narrow(self)


class LabReport(models.Model):
    """One verified version of an order's results; it never changes. ``supersedes`` is the version it corrects."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(LabOrder, on_delete=models.PROTECT, related_name="reports")
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="amendment")
    amendment_reason = models.TextField(blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField()
    patient_age_days = models.PositiveIntegerField(null=True, blank=True,
                                                   help_text=_("Age on the collection date; empty if not known."))
    patient_sex = models.CharField(max_length=10, blank=True)
    ranges_assumed = models.BooleanField(
        default=False,
        help_text=_("The patient's sex or birth date was not known: adult ranges for any sex were used."))
    document_code = models.OneToOneField(DocumentCode, on_delete=models.PROTECT, related_name="lab_report")

    objects = LabReportQuerySet.as_manager()

    class Meta:
        ordering = ["-verified_at", "-version", "-id"]
        constraints = [models.UniqueConstraint(fields=["order", "version"], name="lab_report_version_once")]

    def __str__(self):
        return f"Report v{self.version} of {self.order}"

    @property
    def label(self) -> str:
        """A short name with no clinical text, for the access log and lists."""
        return f"Lab report v{self.version} of {self.verified_at:%d %b %Y}"


class LabResult(models.Model):
    """One analyte's result: typed against the order (``report`` empty) until verified, then part of a report.

    The reference range the flag was computed from is copied in, so a later change of the
    catalogue never changes a report.
    """

    class Flag(models.TextChoices):
        NORMAL = "", _("Within range")
        LOW = "L", _("Low")
        HIGH = "H", _("High")
        CRITICAL_LOW = "LL", _("Critically low")
        CRITICAL_HIGH = "HH", _("Critically high")

    CRITICAL = (Flag.CRITICAL_LOW, Flag.CRITICAL_HIGH)

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(LabOrder, on_delete=models.CASCADE, related_name="results")
    line = models.ForeignKey(LabOrderLine, on_delete=models.CASCADE, related_name="results")
    analyte = models.ForeignKey(Analyte, on_delete=models.PROTECT, related_name="results")
    report = models.ForeignKey(LabReport, null=True, blank=True, on_delete=models.PROTECT, related_name="results")
    value_text = models.CharField(max_length=200)
    value_numeric = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    unit = models.CharField(max_length=30, blank=True)
    ref_low = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    ref_high = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    ref_critical_low = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    ref_critical_high = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    ref_interpretation = models.TextField(blank=True)
    flag = models.CharField(max_length=2, choices=Flag.choices, blank=True, default="")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField()

    class Meta:
        ordering = ["line_id", "analyte__order", "analyte_id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "analyte"], condition=Q(report__isnull=True),
                                    name="lab_result_one_draft_per_analyte"),
            models.UniqueConstraint(fields=["report", "analyte"], condition=Q(report__isnull=False),
                                    name="lab_result_once_per_report"),
        ]

    def __str__(self):
        return f"{self.analyte.name}: {self.value_text} {self.unit}".strip()

    @property
    def is_critical(self) -> bool:
        return self.flag in self.CRITICAL

    @property
    def range_text(self) -> str:
        """The reference range as printed: "13.0–17.0", "< 5.6", "> 1.0" or ""."""
        def show(value):
            return f"{value.normalize():f}" if value is not None else ""

        if self.ref_low is not None and self.ref_high is not None:
            return f"{show(self.ref_low)}–{show(self.ref_high)}"
        if self.ref_high is not None:
            return f"≤ {show(self.ref_high)}"
        if self.ref_low is not None:
            return f"≥ {show(self.ref_low)}"
        return ""
