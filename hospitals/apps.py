from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HospitalsConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'hospitals'

    def ready(self):
        from accounts.home import register_home_card

        from .events import register_events
        from .navigation import register_nav_item
        from .selectors import doctor_hospitals

        register_events()
        register_home_card("doctor_hospitals", template="hospitals/partials/doctor_hospitals.html",
                           selector=doctor_hospitals, audience="doctor")

        register_nav_item("overview", label=_("Overview"), url_name="manage:dashboard", icon="grid", order=10)
        register_nav_item("departments", label=_("Departments"), url_name="manage:departments", icon="diagram-3",
                          roles={"admin"}, order=20)
        register_nav_item("staff", label=_("Staff"), url_name="manage:staff", icon="people", roles={"admin"}, order=30)
        register_nav_item("applications", label=_("Doctor applications"), url_name="manage:applications",
                          icon="file-earmark-person", roles={"admin"}, order=40)
        register_nav_item("settings", label=_("Settings"), url_name="manage:settings", icon="gear", roles={"admin"},
                          order=70)
