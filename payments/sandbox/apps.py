from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The local SSLCommerz look-alike. Always installed (its tables exist); served only in local mode."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "payments.sandbox"
    label = "sslcommerz_sandbox"
    verbose_name = "Local SSLCommerz sandbox"
