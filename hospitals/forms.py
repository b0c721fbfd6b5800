from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.forms import photo_field
from accounts.models import phone_validator
from healthstack.files import CERTIFICATE_KINDS
from healthstack.forms import CheckedUploadsMixin, MultipleCheckedFileField

from .models import TIME_ZONE_CHOICES, Department, Hospital, Membership, StaffInvitation


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search",
                        widget=forms.TextInput(attrs={"placeholder": "Hospital, city, department or specialisation"}))
    city = forms.ChoiceField(required=False, choices=[])

    def __init__(self, *args, cities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = [("", "Any city")] + [(c, c) for c in cities]


# Where HealthStack's hospitals are, then where their patients and doctors often come from.
LIKELY_TIME_ZONES = [
    "Asia/Dhaka", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Thimphu", "Asia/Yangon", "Asia/Karachi", "Asia/Colombo",
    "Asia/Dubai", "Asia/Riyadh", "Asia/Qatar", "Asia/Kuwait", "Asia/Singapore", "Asia/Kuala_Lumpur",
    "Europe/London", "Etc/UTC",
]


def time_zone_choices() -> list:
    """The likely zones first, then every other zone, as two groups of the select."""
    known = dict(TIME_ZONE_CHOICES)
    likely = [(name, known[name]) for name in LIKELY_TIME_ZONES if name in known]
    rest = [choice for choice in TIME_ZONE_CHOICES if choice[0] not in LIKELY_TIME_ZONES]
    return [(_("Common in the region"), likely), (_("All time zones"), rest)]


class HospitalForm(CheckedUploadsMixin, forms.Form):
    name = forms.CharField(max_length=150)
    city = forms.CharField(max_length=80)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=500)
    phone = forms.CharField(max_length=20, validators=[phone_validator])
    email = forms.EmailField()
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=3000)
    time_zone = forms.ChoiceField(choices=time_zone_choices, initial="Asia/Dhaka", label=_("Time zone"))
    logo = photo_field()

    field_names = ["name", "city", "address", "phone", "email", "description", "time_zone"]


class HospitalSettingsForm(HospitalForm):
    cancellation_cutoff_hours = forms.IntegerField(
        min_value=0, max_value=168, label="Cancellation cut-off (hours before the slot)"
    )

    field_names = HospitalForm.field_names + ["cancellation_cutoff_hours"]

    @classmethod
    def initial_for(cls, hospital: Hospital) -> dict:
        return {name: getattr(hospital, name) for name in cls.field_names}


class DepartmentForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments of one hospital, shown by name alone."""

    def label_from_instance(self, obj):
        return obj.name


class DoctorApplicationForm(CheckedUploadsMixin, forms.Form):
    department = DepartmentChoiceField(queryset=Department.objects.none(), empty_label="Choose a department")
    consultation_fee = forms.DecimalField(min_value=Decimal("0.00"), max_digits=12, decimal_places=2,
                                          initial=Decimal("500.00"), help_text="Proposed fee in BDT; the hospital confirms it.")
    cover_letter = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)
    certificates = MultipleCheckedFileField(
        allowed=CERTIFICATE_KINDS, max_mb=settings.CERTIFICATE_UPLOAD_MAX_MB, max_files=5,
        help_text=f"Degree and registration certificates: PDF, JPEG or PNG, up to {settings.CERTIFICATE_UPLOAD_MAX_MB} MB each.",
    )

    def __init__(self, *args, hospital: Hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.for_hospital(hospital).active()


class ApproveApplicationForm(forms.Form):
    department = DepartmentChoiceField(queryset=Department.objects.none())
    consultation_fee = forms.DecimalField(min_value=Decimal("0.00"), max_digits=12, decimal_places=2)

    def __init__(self, *args, hospital: Hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.for_hospital(hospital).active()


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False)


class InviteStaffForm(forms.Form):
    full_name = forms.CharField(max_length=150)
    email = forms.EmailField()
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in StaffInvitation.INVITABLE_ROLES])


class StaffFilterForm(forms.Form):
    role = forms.ChoiceField(required=False, choices=[("", "All roles")] + Membership.Role.choices)
    status = forms.ChoiceField(required=False, choices=[("", "Any status")] + Membership.Status.choices)
