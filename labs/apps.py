from django.apps import AppConfig


class LabsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "labs"

    def ready(self):
        from . import payable
        from .events import register_events

        register_events()
        payable.register()
