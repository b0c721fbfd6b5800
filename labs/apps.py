from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "labs"

    def ready(self):
        from healthstack.mail import register_attachment
        from hospitals.dashboard import register_panel, register_role_home
        from hospitals.navigation import register_nav_item

        from . import panels, payable
        from .events import register_events
        from .pdf import report_attachment

        register_events()
        payable.register()
        register_attachment("lab_report", report_attachment)
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
