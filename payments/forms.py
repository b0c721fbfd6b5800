from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Payment


class PaymentFilterForm(forms.Form):
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(required=False, choices=[("", _("Any status"))] + Payment.Status.choices)
    include_abandoned = forms.BooleanField(
        required=False, label=_("Include abandoned checkouts"),
        help_text=_("Attempts still waiting for the gateway after the payment hold: the payer left the checkout "
                    "and they are closed when the gateway is next asked."),
    )

    def filter(self, payments, *, now=None):
        """``payments`` narrowed by the valid filters (dates are the hospital's local dates).

        Abandoned checkouts are left out unless asked for, also when the form is empty or invalid.
        """
        if not (self.is_valid() and self.cleaned_data["include_abandoned"]):
            payments = payments.without_abandoned(now=now)
        if not self.is_valid():
            return payments
        data = self.cleaned_data
        if data["date_from"]:
            payments = payments.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            payments = payments.filter(created_at__date__lte=data["date_to"])
        if data["status"]:
            payments = payments.filter(status=data["status"])
        return payments


class RefundForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.CharField(max_length=255)
