from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from knox.models import AbstractAuthToken, AuthTokenManager

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 \-]{6,18}$", "Enter a phone number of digits, optionally starting with +."
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email: patient, doctor, hospital staff or operator."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=20, blank=True, validators=[phone_validator])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("platform operator (Django admin)", default=False)
    awaiting_email_confirmation = models.BooleanField(
        default=False, help_text="Signed up but has not opened the confirmation link yet (inactive until then)."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    session_token = models.CharField(
        max_length=32, blank=True, editable=False,
        help_text="Part of every web session's signature: a new value ends all of this person's sessions.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self):
        return f"{self.full_name} <{self.email}>"

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def _get_session_auth_hash(self, secret=None):
        # Django signs a session with a hash of the password, so a new password ends the other
        # sessions; ``session_token`` joins it, so ending every session is one column write
        # (accounts.services.end_sessions). Until it is first set the hash is Django's own.
        password_hash = super()._get_session_auth_hash(secret=secret)
        if not self.session_token:
            return password_hash
        return salted_hmac("accounts.User.session_token", f"{password_hash}{self.session_token}",
                           secret=secret, algorithm="sha256").hexdigest()

    @property
    def is_patient(self) -> bool:
        return hasattr(self, "patient_profile")

    @property
    def is_doctor(self) -> bool:
        return hasattr(self, "doctor_profile")


class PatientProfile(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"

    class BloodGroup(models.TextChoices):
        A_POS = "A+", "A+"
        A_NEG = "A-", "A−"
        B_POS = "B+", "B+"
        B_NEG = "B-", "B−"
        AB_POS = "AB+", "AB+"
        AB_NEG = "AB-", "AB−"
        O_POS = "O+", "O+"
        O_NEG = "O-", "O−"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="patient_profile")
    patient_number = models.CharField(max_length=12, unique=True, editable=False)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    blood_group = models.CharField(max_length=3, choices=BloodGroup.choices, blank=True)
    address = models.TextField(blank=True)
    emergency_contact_name = models.CharField(max_length=150, blank=True)
    emergency_contact_phone = models.CharField(max_length=20, blank=True, validators=[phone_validator])
    photo = models.ImageField(upload_to="photos/patients/", blank=True)
    sharing_consent = models.BooleanField(
        default=True,
        help_text="Doctors caring for you may see your records from every hospital.",
    )

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self):
        return f"{self.user.full_name} ({self.patient_number})"

    @property
    def age(self) -> int | None:
        if not self.date_of_birth:
            return None
        today = timezone.localdate()
        born = self.date_of_birth
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class DoctorProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="doctor_profile")
    specialisation = models.CharField(max_length=120, db_index=True)
    qualifications = models.CharField(max_length=255, help_text="For example: MBBS, FCPS (Medicine)")
    registration_number = models.CharField(max_length=40, unique=True)
    years_of_practice = models.PositiveSmallIntegerField(default=0)
    bio = models.TextField(blank=True)
    photo = models.ImageField(upload_to="photos/doctors/", blank=True)

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self):
        return f"Dr. {self.user.full_name}"

    @property
    def display_name(self) -> str:
        return f"Dr. {self.user.full_name}"


class ApiTokenQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def live(self, now=None):
        return self.filter(expiry__gt=now or timezone.now())


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox: only a hash is stored) with when and from what it was last used.

    It expires: ``API_TOKEN_TTL_HOURS`` after it was made, and for hospital staff
    after ``STAFF_API_TOKEN_TTL_MINUTES`` without use. The owner lists and revokes
    their tokens at /me/tokens/.
    """

    client = models.CharField(max_length=200, blank=True, help_text="The app that asked for it (User-Agent).")
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = AuthTokenManager.from_queryset(ApiTokenQuerySet)()

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self):
        return f"API token of {self.user} from {self.created:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        """A short public name for the token: never any part of the secret."""
        return self.digest[:8]
