from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class AppointmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "appointments"

    def ready(self):
        from accounts.home import register_home_card, register_shortcut
        from hospitals.dashboard import register_panel, register_role_home
        from hospitals.doctor_page import register_doctor_section
        from hospitals.navigation import register_nav_item

        from . import panels
        from .events import register_events
        from .summaries import patient_upcoming_count

        register_events()
        # The front desk starts the day on the board, not on an overview one click away from it.
        register_role_home("receptionist", "desk:reception")
        # An admin who also sees patients finds the schedule among the doctor's links instead.
        register_nav_item("schedules", label=_("Schedules"), url_name="desk:schedule", icon="calendar-week",
                          roles={"admin"}, hidden_for={"doctor"}, order=50)
        register_nav_item("queue", label=_("Queue"), url_name="desk:queue", icon="people", roles={"doctor"}, order=80)
        register_nav_item("schedule", label=_("Schedule"), url_name="desk:schedule", icon="calendar-week",
                          roles={"doctor"}, order=90)
        register_nav_item("reception", label=_("Reception"), url_name="desk:reception", icon="calendar3",
                          roles={"receptionist", "admin"}, order=110)
        register_panel("appointments/partials/reception_today.html", roles={"admin", "receptionist"},
                       selector=panels.reception_today, order=10)
        register_panel("appointments/partials/doctor_today.html", roles={"doctor"}, selector=panels.doctor_today,
                       order=10)
        register_panel("appointments/partials/doctor_upcoming.html", roles={"doctor"},
                       selector=panels.doctor_upcoming, order=20)
        register_panel("appointments/partials/doctor_recent_patients.html", roles={"doctor"},
                       selector=panels.doctor_recent_patients, order=30)
        register_doctor_section("rating", template="appointments/partials/rating_summary.html", slot="summary",
                                selector=panels.doctor_rating)
        register_doctor_section("reviews", template="appointments/partials/reviews.html", slot="body",
                                selector=panels.doctor_reviews)
        register_doctor_section("booking", template="appointments/partials/booking_card.html", slot="per_hospital",
                                selector=panels.booking_button)
        register_home_card("next_appointment", template="appointments/partials/patient_next_appointment.html",
                           selector=panels.patient_next_appointment, order=10)
        register_shortcut(
            "appointments", label=_("Appointments"), icon="calendar-check", url_name="appointments:mine", order=10,
            count=patient_upcoming_count,
            describe=lambda n: ngettext("%(count)d upcoming", "%(count)d upcoming", n) % {"count": n},
        )
