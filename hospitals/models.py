import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from healthstack import status as machine
from healthstack.files import private_storage

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name]
RESERVED_SLUGS = {"register", "new", "search"}


class HospitalError(Exception):
    """A hospital or staff change that is not allowed; the message is shown to the user."""


class InvalidTransition(HospitalError, machine.InvalidTransition):
    """A hospital or membership was asked to move to a status its current one does not lead to."""


def _has_active_department() -> Exists:
    return Exists(Department.objects.active().filter(hospital=OuterRef("pk")))


def _has_doctor_in_active_department() -> Exists:
    return Exists(Membership.objects.doctors().approved().filter(hospital=OuterRef("pk"), department__is_active=True))


class HospitalQuerySet(models.QuerySet):
    def approved(self):
        """Approved by the platform operator: open to doctors' applications, not necessarily to patients."""
        return self.filter(status=Hospital.Status.APPROVED)

    def listed(self):
        """Hospitals the public may see: approved, with an approved doctor in an active department.

        An approved hospital with nothing to book is hidden; ``hospitals.selectors.listing_gaps``
        tells its admin and the operator what is missing.
        """
        return self.approved().filter(_has_doctor_in_active_department())

    def with_listing_facts(self):
        """Each hospital with ``has_active_department`` and ``has_doctor_in_active_department``: the
        pieces ``listed()`` asks beyond approval, for ``listing_gaps`` to name without a query per hospital."""
        return self.annotate(has_active_department=_has_active_department(),
                             has_doctor_in_active_department=_has_doctor_in_active_department())

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text)
            | Q(city__icontains=text)
            | Q(departments__name__icontains=text, departments__is_active=True)
            | Q(
                memberships__user__doctor_profile__specialisation__icontains=text,
                memberships__role="doctor",
                memberships__status="approved",
            )
        ).distinct()


class Hospital(machine.StatusMachine, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        SUSPENDED = "suspended", "Suspended"

    # Suspending a hospital still awaiting approval is how the operator turns a registration down.
    TRANSITIONS = {
        Status.PENDING: {Status.APPROVED, Status.SUSPENDED},
        Status.APPROVED: {Status.SUSPENDED},
        Status.SUSPENDED: {Status.APPROVED},
    }
    invalid_transition = InvalidTransition

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    city = models.CharField(max_length=80, db_index=True)
    address = models.TextField()
    phone = models.CharField(max_length=20)
    email = models.EmailField()
    description = models.TextField(blank=True)
    logo = models.ImageField(upload_to="logos/", blank=True)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="Asia/Dhaka")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    cancellation_cutoff_hours = models.PositiveSmallIntegerField(
        default=2, help_text="Patients may cancel until this many hours before the slot."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = HospitalQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class HospitalStatusChange(machine.StatusChange):
    """One row per hospital status move (approved, suspended, restored): who, when, why."""

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=Hospital.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Hospital.Status.choices)


class HospitalScopedQuerySet(models.QuerySet):
    """Reads of rows that belong to one hospital (its ``hospital`` foreign key): every app's tenant filter."""

    def for_hospital(self, hospital):
        return self.filter(hospital=hospital)


class DepartmentQuerySet(HospitalScopedQuerySet):
    def active(self):
        return self.filter(is_active=True)


class Department(models.Model):
    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=80)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "slug"], name="department_slug_unique_per_hospital"),
        ]

    def __str__(self):
        return f"{self.name} — {self.hospital.name}"


class MembershipQuerySet(HospitalScopedQuerySet):
    def approved(self):
        return self.filter(status=Membership.Status.APPROVED)

    def doctors(self):
        return self.filter(role=Membership.Role.DOCTOR)

    def active(self):
        """Approved, at a hospital that is not suspended: the staff roles a user can work in now.

        A hospital awaiting the operator's approval counts (its admin sets it up); the tenancy
        guard, the navigation, the dashboard and the care relationship all ask this.
        """
        return self.approved().exclude(hospital__status=Hospital.Status.SUSPENDED)

    def bookable(self):
        """Approved doctors at publicly listed hospitals, in active departments."""
        return self.doctors().approved().filter(
            hospital__status=Hospital.Status.APPROVED, department__is_active=True
        )

    def with_people(self):
        return self.select_related("user", "user__doctor_profile", "hospital", "department")


class Membership(machine.StatusMachine, models.Model):
    """A user's place on a hospital's staff, in one role."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Hospital admin"
        DOCTOR = "doctor", "Doctor"
        RECEPTIONIST = "receptionist", "Receptionist"
        LAB_WORKER = "lab_worker", "Lab worker"
        PHARMACIST = "pharmacist", "Pharmacist"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUSPENDED = "suspended", "Suspended"

    TRANSITIONS = {
        Status.PENDING: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: {Status.SUSPENDED},
        Status.SUSPENDED: {Status.APPROVED},
        Status.REJECTED: {Status.PENDING},  # a rejected doctor may apply again
    }
    invalid_transition = InvalidTransition

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    consultation_fee = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0.00"))]
    )
    currency = models.CharField(max_length=3, default="BDT")
    cover_letter = models.TextField(blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["hospital__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "hospital", "role"], name="membership_unique_role"),
            models.CheckConstraint(
                condition=~Q(role="doctor") | Q(department__isnull=False), name="doctor_membership_has_department"
            ),
        ]

    def __str__(self):
        return f"{self.user.full_name} — {self.get_role_display()} at {self.hospital.name}"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class MembershipStatusChange(machine.StatusChange):
    """One row per membership status move (applied again, approved, rejected, suspended, restored)."""

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=Membership.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Membership.Status.choices)


class DoctorCertificate(models.Model):
    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="certificates")
    file = models.FileField(upload_to="certificates/%Y/%m/", storage=private_storage)
    kind = models.CharField(max_length=8)
    original_name = models.CharField(max_length=200)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.original_name


class StaffInvitationQuerySet(models.QuerySet):
    def open(self, now=None):
        return self.filter(accepted_at__isnull=True, revoked=False, expires_at__gt=now or timezone.now())


class StaffInvitation(models.Model):
    INVITABLE_ROLES = [Membership.Role.RECEPTIONIST, Membership.Role.LAB_WORKER, Membership.Role.PHARMACIST]

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=Membership.Role.choices)
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    objects = StaffInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation for {self.email} ({self.get_role_display()}) at {self.hospital}"

    @property
    def is_open(self) -> bool:
        return self.is_open_at()

    def is_open_at(self, now=None) -> bool:
        return not self.accepted_at and not self.revoked and self.expires_at > (now or timezone.now())
