from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"

    def ready(self):
        from accounts.home import register_shortcut

        from . import checks  # noqa: F401  (registers the gateway settings checks)
        from .models import Payment

        register_shortcut(
            "payments", label=_("Payments"), icon="receipt", url_name="payments:mine", order=40,
            count=lambda user: Payment.objects.for_payer(user).settled().count(),
            describe=lambda n: ngettext("%(count)d receipt", "%(count)d receipts", n) % {"count": n},
        )
