from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from healthstack.files import DOCUMENT_KINDS
from healthstack.forms import CheckedFileField, CheckedUploadsMixin

from .models import MedicalDocument, PatientClinicalProfile, Prescription, PrescriptionItem
from .timeline import timeline_kinds

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_MEDICINES = 30


class PrescriptionForm(forms.ModelForm):
    class Meta:
        model = Prescription
        fields = ["diagnosis", "advice", "recommended_tests", "follow_up_date"]
        widgets = {
            "diagnosis": forms.Textarea(attrs={"rows": 2}),
            "advice": forms.Textarea(attrs={"rows": 3}),
            "recommended_tests": forms.Textarea(attrs={"rows": 2}),
            "follow_up_date": DATE_INPUT,
        }
        help_texts = {"recommended_tests": "One test per line, for example: CBC, Fasting blood sugar."}

    def clean_follow_up_date(self):
        day = self.cleaned_data.get("follow_up_date")
        if day and day < timezone.localdate():
            raise forms.ValidationError("The follow-up date is in the past.")
        return day


class PrescriptionItemForm(forms.ModelForm):
    class Meta:
        model = PrescriptionItem
        fields = ["medicine_name", "strength", "dose", "frequency", "duration", "instructions"]
        labels = {"medicine_name": "Medicine"}
        widgets = {
            "medicine_name": forms.TextInput(attrs={"placeholder": "e.g. Napa"}),
            "strength": forms.TextInput(attrs={"placeholder": "e.g. 500 mg"}),
            "dose": forms.TextInput(attrs={"placeholder": "e.g. 1 tablet"}),
            "frequency": forms.TextInput(attrs={"placeholder": "e.g. 1+0+1"}),
            "duration": forms.TextInput(attrs={"placeholder": "e.g. 7 days"}),
            "instructions": forms.TextInput(attrs={"placeholder": "e.g. after meals"}),
        }


class BasePrescriptionItemFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        names = [f.cleaned_data.get("medicine_name", "").strip().lower() for f in self.forms
                 if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if len(names) != len(set(names)):
            raise forms.ValidationError("A medicine is listed twice; merge the rows.")

    @property
    def items(self) -> list[dict]:
        return [
            {name: form.cleaned_data.get(name, "") for name in PrescriptionItemForm.Meta.fields}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


PrescriptionItemFormSet = forms.formset_factory(
    PrescriptionItemForm, formset=BasePrescriptionItemFormSet, extra=0, can_delete=True,
    max_num=MAX_MEDICINES, validate_max=True, absolute_max=MAX_MEDICINES,
)


def item_formset(data=None, *, prescription: Prescription | None = None):
    initial = list(prescription.items.values(*PrescriptionItemForm.Meta.fields)) if prescription else []
    formset = PrescriptionItemFormSet(data, initial=initial or None, prefix="items")
    if data is None and not initial:
        formset.extra = 1
    return formset


class ClinicalProfileForm(forms.ModelForm):
    class Meta:
        model = PatientClinicalProfile
        fields = ["allergies", "chronic_conditions"]
        widgets = {"allergies": forms.Textarea(attrs={"rows": 2}), "chronic_conditions": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"allergies": "Medicines, foods or other things the patient reacts to."}


class MedicalDocumentForm(CheckedUploadsMixin, forms.Form):
    title = forms.CharField(max_length=150)
    category = forms.ChoiceField(label="Type", choices=MedicalDocument.Category.choices)
    document_date = forms.DateField(label="Date of the document", widget=DATE_INPUT)
    source_name = forms.CharField(label="Hospital or clinic", max_length=150, required=False)
    file = CheckedFileField(allowed=DOCUMENT_KINDS, max_mb=5)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].max_mb = settings.MEDICAL_UPLOAD_MAX_MB
        self.fields["file"].help_text = f"PDF, JPEG, PNG or Word, up to {settings.MEDICAL_UPLOAD_MAX_MB} MB."

    def clean_document_date(self):
        day = self.cleaned_data["document_date"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        return day


class SharingConsentForm(forms.Form):
    sharing_consent = forms.BooleanField(
        label="Let doctors caring for me see my records from every hospital", required=False
    )


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), required=False)
    hospital = forms.TypedChoiceField(label=_("Hospital"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args, hospitals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Everything"))] + [(kind.key, kind.label) for kind in timeline_kinds()]
        self.fields["hospital"].choices = [("", _("All hospitals"))] + [(h.pk, h.name) for h in hospitals]

    def value(self, name):
        return self.cleaned_data.get(name) if self.is_valid() else None
