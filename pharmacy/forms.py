"""Forms of the patient's pharmacy pages. Quantities are checked by the services (whole numbers 1–1000)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ShopSearchForm(forms.Form):
    q = forms.CharField(label=_("Search medicines"), required=False, max_length=120,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Generic or brand name")}))


class CheckoutForm(forms.Form):
    """How the patient gets the medicines: at the counter, or delivered home (where the hospital offers it)."""

    delivery = forms.TypedChoiceField(
        label=_("How you get them"), coerce=lambda value: value == "home", empty_value=False, initial="pickup",
        choices=[("pickup", _("Collect at the pharmacy")), ("home", _("Home delivery"))], widget=forms.RadioSelect)
    delivery_address = forms.CharField(label=_("Delivery address (for home delivery)"), required=False, max_length=500,
                                       widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, delivery_offered: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.delivery_offered = delivery_offered
        if not delivery_offered:
            self.fields["delivery"].choices = [("pickup", _("Collect at the pharmacy"))]

    def clean(self):
        data = super().clean()
        if data.get("delivery") and not (data.get("delivery_address") or "").strip():
            self.add_error("delivery_address", _("Give the address to deliver to."))
        return data
