from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from healthstack.files import IMAGE_KINDS
from healthstack.forms import CheckedFileField, CheckedUploadsMixin

from .backends import normalize_email_identity
from .models import PatientProfile, User, phone_validator
from .services import set_password


def photo_field():
    return CheckedFileField(
        allowed=IMAGE_KINDS, max_mb=settings.IMAGE_UPLOAD_MAX_MB, photo=True, required=False,
        help_text=f"JPEG or PNG, up to {settings.IMAGE_UPLOAD_MAX_MB} MB.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Please enter a correct email and password. A new account works once you open "
                           "the link we emailed you. After 5 failed tries, logging in is blocked for 15 minutes."),
    }


class PasswordPairMixin:
    """Two password fields checked against Django's validators for the person signing up."""

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords do not match.")
        elif password1:
            probe = User(email=cleaned.get("email", getattr(self, "invited_email", "")),
                         full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, user=probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class SignupBaseForm(PasswordPairMixin, forms.Form):
    full_name = forms.CharField(max_length=150, label="Full name")
    email = forms.EmailField()
    phone = forms.CharField(max_length=20, required=False, validators=[phone_validator])
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text="At least 8 characters; not a common password, not only numbers, "
                                          "not like your name or email.")
    password2 = forms.CharField(label="Repeat password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_email(self):
        # Whether the email has an account is never said here: the sign-up service emails its owner.
        return normalize_email_identity(self.cleaned_data["email"])


class PatientSignupForm(SignupBaseForm):
    date_of_birth = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sex = forms.ChoiceField(choices=[("", "Prefer not to say")] + PatientProfile.Sex.choices, required=False)

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born and born > timezone.localdate():
            raise ValidationError("The date of birth cannot be in the future.")
        return born


class DoctorSignupForm(CheckedUploadsMixin, SignupBaseForm):
    specialisation = forms.CharField(max_length=120)
    qualifications = forms.CharField(max_length=255, help_text="For example: MBBS, FCPS (Medicine)")
    registration_number = forms.CharField(max_length=40, help_text="Your medical council registration number.")
    years_of_practice = forms.IntegerField(min_value=0, max_value=70, initial=0)
    bio = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)
    photo = photo_field()

    def clean_registration_number(self):
        # Whether the number is registered is never said here: the sign-up service emails the applicant.
        return self.cleaned_data["registration_number"].strip()


class UserDetailsForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Full name")
    phone = forms.CharField(max_length=20, required=False, validators=[phone_validator])


class PatientProfileForm(CheckedUploadsMixin, UserDetailsForm):
    date_of_birth = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sex = forms.ChoiceField(choices=[("", "Prefer not to say")] + PatientProfile.Sex.choices, required=False)
    blood_group = forms.ChoiceField(choices=[("", "Unknown")] + PatientProfile.BloodGroup.choices, required=False)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=500)
    emergency_contact_name = forms.CharField(max_length=150, required=False)
    emergency_contact_phone = forms.CharField(max_length=20, required=False, validators=[phone_validator])
    photo = photo_field()

    profile_fields = ["date_of_birth", "sex", "blood_group", "address", "emergency_contact_name",
                      "emergency_contact_phone"]

    clean_date_of_birth = PatientSignupForm.clean_date_of_birth


class DoctorProfileForm(CheckedUploadsMixin, UserDetailsForm):
    specialisation = forms.CharField(max_length=120)
    qualifications = forms.CharField(max_length=255)
    years_of_practice = forms.IntegerField(min_value=0, max_value=70)
    bio = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=2000)
    photo = photo_field()

    profile_fields = ["specialisation", "qualifications", "years_of_practice", "bio"]


class InvitationAcceptForm(PasswordPairMixin, forms.Form):
    phone = forms.CharField(max_length=20, required=False, validators=[phone_validator])
    password1 = SignupBaseForm.base_fields["password1"]
    password2 = SignupBaseForm.base_fields["password2"]

    def __init__(self, *args, invitation, **kwargs):
        self.invited_email = invitation.email
        super().__init__(*args, **kwargs)


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Choose a new password (reset link); saving ends the user's API tokens."""

    def save(self, commit=True):
        if not commit:
            self.user.set_password(self.cleaned_data["new_password1"])
            return self.user
        return set_password(user=self.user, password=self.cleaned_data["new_password1"])


class PasswordChangeForm(SetPasswordForm, auth_forms.PasswordChangeForm):
    """Change a known password; saving ends the user's API tokens."""


class PasswordResetForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def clean_email(self):
        return normalize_email_identity(self.cleaned_data["email"])
