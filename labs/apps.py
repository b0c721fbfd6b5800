from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "labs"

    def ready(self):
        from django.db.models import Q

        from accounts.orders import register_cart_section, register_order_source
        from healthstack.mail import register_attachment
        from hospitals.dashboard import register_panel, register_role_home
        from hospitals.navigation import register_nav_item
        from records.sections import register_record_section
        from records.timeline import register_timeline_kind

        from . import panels, payable, prescription_parts, selectors
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
        # The lab desk: its queue first, the catalogue beside it; lab workers start the day on the desk.
        register_nav_item("lab_desk", label=_("Lab desk"), url_name="labdesk:home", icon="clipboard2-pulse",
                          roles={"lab_worker", "admin"}, order=130)
        register_nav_item("lab_orders", label=_("Lab orders"), url_name="labdesk:orders", icon="droplet",
                          roles={"lab_worker", "admin"}, order=131, also_active_on=(
                              "labdesk:order", "labdesk:amend", "labdesk:report"))
        register_nav_item("lab_tests", label=_("Lab tests"), url_name="labdesk:tests", icon="list-check",
                          roles={"lab_worker", "admin"}, order=132, also_active_on=(
                              "labdesk:test-new", "labdesk:test", "labdesk:analyte"))
        register_role_home("lab_worker", "labdesk:home")
        register_panel("labs/manage/partials/desk_panel.html", roles={"lab_worker", "admin"},
                       selector=panels.lab_desk, order=40)
        register_panel("labs/manage/partials/critical_panel.html", roles={"doctor"},
                       selector=panels.critical_results, order=5)
