"""The notifications appointments sends: a booking's life from request to visit, and the queue's calls."""

from notifications.events import register_event


def register_events() -> None:
    register_event("booking_received", title="Appointment request received: {{ doctor_name }} on {{ when }}")
    register_event("booking_new", title="New booking: {{ patient_name }} with {{ doctor_name }} on {{ when }}")
    register_event("appointment_confirmed",
                   title="Confirmed: token {{ token_number }} with {{ doctor_name }} on {{ when }}")
    register_event("appointment_rejected", title="Your appointment with {{ doctor_name }} was not accepted")
    register_event("appointment_cancelled", title="Appointment cancelled: {{ doctor_name }} on {{ when }}")
    register_event("appointment_cancelled_staff",
                   title="Cancelled: {{ patient_name }} with {{ doctor_name }} on {{ when }}")
    register_event("appointment_completed", title="Visit with {{ doctor_name }} completed", email=False, quiet=True)
    register_event("appointment_no_show", title="Missed appointment with {{ doctor_name }} on {{ when }}")
    register_event("appointment_expired", title="Booking expired unpaid: {{ doctor_name }} on {{ when }}")
    register_event("appointment_called", title="Token {{ token_number }}: {{ doctor_name }} will see you now",
                   email=False)
    register_event(
        "appointment_reminder",
        title="{% load i18n %}{% blocktranslate %}Reminder: {{ doctor_name }} on {{ when }}{% endblocktranslate %}",
    )
    register_event(
        "appointment_next",
        title="{% load i18n %}{% blocktranslate %}You are next: token {{ token_number }} with {{ doctor_name }}"
              "{% endblocktranslate %}",
        email=False,
    )
