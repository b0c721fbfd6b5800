"""Forms of the pharmacist's desk: they read the input; pharmacy.services checks the rules and says what is wrong."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MedicineOrder, Medicine
from .selectors import EXPIRY_WINDOWS
from .services import MAX_BATCH_QUANTITY


class MedicineFilterForm(forms.Form):
    STOCK_CHOICES = [("", _("Any stock")), ("low", _("Low stock (at or under the reorder level)")),
                     ("out", _("Out of stock")), ("expiring", _("Expiring within 90 days")),
                     ("expired", _("Expired units on hand"))]
    ACTIVE_CHOICES = [("", _("Active and inactive")), ("yes", _("Active only")), ("no", _("Inactive only"))]
    RX_CHOICES = [("", _("Any")), ("yes", _("Prescription only")), ("no", _("Over the counter"))]

    q = forms.CharField(required=False, max_length=100, label=_("Search"),
                        widget=forms.TextInput(attrs={"placeholder": _("Generic or brand name"), "type": "search"}))
    dosage_form = forms.ChoiceField(required=False, label=_("Form"),
                                    choices=[("", _("Any form")), *Medicine.DosageForm.choices])
    stock = forms.ChoiceField(required=False, label=_("Stock"), choices=STOCK_CHOICES)
    active = forms.ChoiceField(required=False, label=_("Status"), choices=ACTIVE_CHOICES)
    rx = forms.ChoiceField(required=False, label=_("Prescription"), choices=RX_CHOICES)

    def selection(self) -> dict:
        """The filters as stock_list's arguments plus ``prescription_only`` (None for any); bad values are ignored."""
        data = self.cleaned_data if self.is_valid() else {}
        active = {"yes": True, "no": False}.get(data.get("active", ""))
        return {"q": data.get("q", ""), "dosage_form": data.get("dosage_form", ""), "stock": data.get("stock", ""),
                "active": active, "prescription_only": {"yes": True, "no": False}.get(data.get("rx", ""))}


class MedicineForm(forms.Form):
    generic_name = forms.CharField(label=_("Generic name"), max_length=120)
    brand_name = forms.CharField(label=_("Brand name"), max_length=120, required=False)
    strength = forms.CharField(label=_("Strength"), max_length=40, required=False,
                               widget=forms.TextInput(attrs={"placeholder": "500 mg"}))
    dosage_form = forms.ChoiceField(label=_("Dosage form"), choices=Medicine.DosageForm.choices)
    unit = forms.CharField(label=_("Unit"), max_length=30, help_text=_("What one is sold as: tablet, bottle, tube."))
    pack = forms.CharField(label=_("Pack"), max_length=60, required=False,
                           help_text=_("For example: strip of 10."))
    unit_price = forms.DecimalField(label=_("Unit price (BDT)"), min_value=0, max_digits=12, decimal_places=2)
    reorder_level = forms.IntegerField(label=_("Reorder level"), min_value=0, max_value=MAX_BATCH_QUANTITY,
                                       initial=0, help_text=_("The desk warns when free units fall to this."))
    prescription_only = forms.BooleanField(label=_("Prescription only"), required=False)
    active = forms.BooleanField(label=_("Sold in the shop (active)"), required=False, initial=True)
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=120, required=False)

    FIELDS = ("generic_name", "brand_name", "strength", "dosage_form", "unit", "pack", "unit_price",
              "prescription_only", "reorder_level", "active", "manufacturer")

    @classmethod
    def initial_for(cls, medicine: Medicine) -> dict:
        return {name: getattr(medicine, name) for name in cls.FIELDS}


class ReceiveStockForm(forms.Form):
    batch_number = forms.CharField(label=_("Batch number"), max_length=40)
    expiry_date = forms.DateField(label=_("Expiry date"), widget=forms.DateInput(attrs={"type": "date"}))
    quantity = forms.CharField(label=_("Quantity (units)"), max_length=20,
                               widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    cost = forms.CharField(label=_("Unit cost (BDT)"), max_length=20, initial="0.00",
                           widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    supplier = forms.CharField(label=_("Supplier"), max_length=120, required=False)


class AdjustStockForm(forms.Form):
    counted = forms.CharField(label=_("Units counted on the shelf"), max_length=20,
                              widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    reason = forms.CharField(label=_("Reason"), max_length=255,
                             widget=forms.TextInput(attrs={"placeholder": _("Stock-take, damaged strip…")}))


class BatchFilterForm(forms.Form):
    within = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Expiring within"),
                                    choices=[("", _("Expired, still on hand"))]
                                    + [(days, _("%(days)d days") % {"days": days}) for days in EXPIRY_WINDOWS])


TO_PREPARE = "to_prepare"


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, label=_("Status"), choices=[
        ("", _("To hand over (paid to out for delivery)")), (TO_PREPARE, _("To prepare (paid or being prepared)")),
        *[(value, label) for value, label in MedicineOrder.Status.choices if value != MedicineOrder.Status.CART]])


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason the patient is told"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))


class DeliverySettingsForm(forms.Form):
    delivery_offered = forms.BooleanField(label=_("Deliver medicines to patients' homes"), required=False)
    delivery_fee = forms.CharField(label=_("Delivery fee (BDT)"), max_length=20, initial="0.00",
                                   widget=forms.TextInput(attrs={"inputmode": "decimal"}))
