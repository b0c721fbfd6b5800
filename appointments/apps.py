from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class AppointmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "appointments"

    def ready(self):
        from accounts.home import register_shortcut
        from hospitals.dashboard import register_panel, register_role_home

        from .summaries import patient_upcoming_count

        # The front desk starts the day on the board, not on an overview one click away from it.
        register_role_home("receptionist", "desk:reception")
        register_panel("appointments/partials/panel_reception_today.html", roles={"admin", "receptionist"}, order=10)
        register_panel("appointments/partials/panel_doctor_day.html", roles={"doctor"}, order=10)
        register_panel("appointments/partials/panel_doctor_upcoming.html", roles={"doctor"}, order=20)
        register_panel("appointments/partials/panel_doctor_recent_patients.html", roles={"doctor"}, order=30)
        register_shortcut(
            "appointments", label=_("Appointments"), icon="calendar-check", url_name="appointments:mine", order=10,
            count=patient_upcoming_count,
            describe=lambda n: ngettext("%(count)d upcoming", "%(count)d upcoming", n) % {"count": n},
        )
