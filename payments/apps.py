from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"

    def ready(self):
        from accounts.home import register_shortcut
        from hospitals.navigation import register_nav_item

        from . import checks  # noqa: F401  (registers the gateway settings checks)
        from healthstack.mail import register_attachment

        from .events import register_events
        from .receipts import receipt_attachment
        from .models import Payment

        register_events()
        register_attachment("receipt", receipt_attachment)
        register_nav_item("payments", label=_("Payments"), url_name="hospital_payments:list", icon="cash-coin",
                          roles={"admin"}, order=60, app_name="hospital_payments")
        register_shortcut(
            "payments", label=_("Payments"), icon="receipt", url_name="payments:mine", order=40,
            count=lambda user: Payment.objects.for_payer(user).standing().count(),
            describe=lambda n: ngettext("%(count)d receipt", "%(count)d receipts", n) % {"count": n},
        )
