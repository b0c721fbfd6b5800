from django.apps import AppConfig


class PharmacyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pharmacy"

    def ready(self):
        from . import payable  # noqa: F401  (registers the "medicine_order" payable)
        from .events import register_events

        register_events()
