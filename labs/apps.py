from django.apps import AppConfig


class LabsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "labs"

    def ready(self):
        from django.db.models import Q
        from django.utils.translation import gettext_lazy as _

        from accounts.orders import register_cart_section, register_order_source
        from healthstack.mail import register_attachment
        from records.sections import register_record_section
        from records.timeline import register_timeline_kind

        from . import payable, prescription_parts, selectors
        from .events import register_events
        from .pdf import report_attachment

        register_events()
        payable.register()
        register_attachment("lab_report", report_attachment)
        register_order_source("lab", label=_("Lab tests"), orders=selectors.patient_order_rows, order=50)
        register_cart_section("lab", template="labs/partials/cart_section.html", selector=selectors.cart_section,
                              count=selectors.open_cart_count, order=50)
        register_timeline_kind(
            "lab_report", label=_("Lab reports"), template="labs/partials/timeline_report.html",
            entries=selectors.timeline_reports, order=22,
            hospitals=lambda patient: Q(pk__in=selectors.reported_hospital_ids(patient)),
        )
        register_record_section("lab_trends", template="labs/partials/trends_section.html",
                                selector=selectors.trends_section, order=40)
        prescription_parts.register()
