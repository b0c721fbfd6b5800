"""Forms of the lab desk: the catalogue (test, analyte, reference range), results and amendments.

They shape the inputs; the rules live in labs.services, whose LabError names the field at
fault (``put_error`` puts its message beside that field).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Analyte, LabOrder, LabTest, ReferenceRange
from .services import ANALYTE_FIELDS, RANGE_FIELDS, TEST_FIELDS


def plain_number(value) -> str:
    """A stored decimal as typed: 14.000000 → "14", 12.500000 → "12.5" (empty for none)."""
    return "" if value is None else f"{value.normalize():f}"


class PlainDecimals:
    """Show a saved instance's decimals as typed (12.5), not as stored (12.500000)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.DecimalField) and self.initial.get(name) is not None:
                self.initial[name] = plain_number(self.initial[name])


def put_error(form: forms.Form, error) -> None:
    """Show a LabError's messages beside the fields it names (above the form for the others)."""
    for field, messages in error.message_dict.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class LabTestForm(PlainDecimals, forms.ModelForm):
    class Meta:
        model = LabTest
        fields = list(TEST_FIELDS)
        widgets = {"preparation": forms.Textarea(attrs={"rows": 2})}


class AnalyteForm(PlainDecimals, forms.ModelForm):
    class Meta:
        model = Analyte
        fields = [name for name in ANALYTE_FIELDS if name != "max_value"] + ["max_value"]
        widgets = {"choices": forms.Textarea(attrs={"rows": 3})}


class ReferenceRangeForm(PlainDecimals, forms.ModelForm):
    class Meta:
        model = ReferenceRange
        fields = list(RANGE_FIELDS)
        widgets = {"interpretation": forms.Textarea(attrs={"rows": 2})}


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Patient name, patient number or accession")
        self.fields["status"].choices = [
            ("", _("Every status")), ("at_lab", _("At the lab (collected or in progress)")),
            ("overdue", _("Overdue")), ("reported_today", _("Reported today")),
            ("critical", _("Critical, not acknowledged")),
            *[(value, label) for value, label in LabOrder.Status.choices if value != LabOrder.Status.CART],
        ]

    def value(self, name: str) -> str:
        return self.cleaned_data.get(name, "") if self.is_valid() else ""


class ResultsForm(forms.Form):
    """One field per analyte of the order's tests, named by the analyte's id, its unit beside it.

    The values are checked by ``labs.services.enter_results`` / ``amend_report`` (parse_result).
    """

    def __init__(self, *args, lines=(), initial_values=None, required=False, **kwargs):
        super().__init__(*args, **kwargs)
        initial_values = initial_values or {}
        self.groups = []
        for line in lines:
            names = []
            for analyte in line.lab_test.analytes.all():
                name = str(analyte.pk)
                if analyte.result_kind == Analyte.Kind.CHOICE:
                    field = forms.ChoiceField(choices=[("", "—"), *[(c, c) for c in analyte.choice_list]],
                                              required=required)
                else:
                    field = forms.CharField(max_length=200, required=required)
                    if analyte.is_numeric:
                        field.widget.attrs.update(inputmode="decimal", autocomplete="off")
                field.label = analyte.name
                field.unit = analyte.unit
                field.initial = initial_values.get(analyte.pk, "")
                self.fields[name] = field
                names.append(name)
            self.groups.append({"test": line.lab_test, "names": names})

    def grouped(self):
        return [{"test": group["test"], "fields": [self[name] for name in group["names"]]} for group in self.groups]

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in self.fields if name != "reason"}


class AmendForm(ResultsForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = forms.CharField(
            label=_("Reason for the amendment"), max_length=500,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("The patient and the doctor see it on the amended report."))
