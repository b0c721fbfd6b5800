"""The notifications hospitals sends: doctor applications, staff access, the hospital's approval."""

from django.utils.translation import gettext_lazy as _

from notifications.events import register_event


def register_events() -> None:
    register_event("doctor_application_received", title="New doctor application from {{ doctor_name }}")
    register_event("doctor_application_approved", title="You have joined {{ hospital_name }}")
    register_event("doctor_application_rejected", title="Your application to {{ hospital_name }} was not accepted")
    register_event("staff_suspended", title="Your access to {{ hospital_name }} was suspended")
    register_event("staff_restored", title="Your access to {{ hospital_name }} was restored")
    register_event("hospital_approved", title=_("{{ hospital_name }} is approved on HealthStack"))
