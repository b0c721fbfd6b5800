from django.apps import AppConfig


class LabsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "labs"

    def ready(self):
        from healthstack.mail import register_attachment

        from . import payable
        from .events import register_events
        from .pdf import report_attachment

        register_events()
        payable.register()
        register_attachment("lab_report", report_attachment)
