"""Events come from the apps that send them; notify() refuses one nobody registered."""

import pytest
from django.template.loader import get_template

from notifications.events import EVENTS, UnknownEvent
from notifications.services import notify

SENT_BY = {
    "hospitals": {"doctor_application_received", "doctor_application_approved", "doctor_application_rejected",
                  "staff_suspended", "staff_restored", "hospital_approved"},
    "appointments": {"booking_received", "booking_new", "appointment_confirmed", "appointment_rejected",
                     "appointment_cancelled", "appointment_cancelled_staff", "appointment_completed",
                     "appointment_no_show", "appointment_expired", "appointment_called", "appointment_next",
                     "appointment_reminder"},
    "payments": {"payment_received", "payment_on_hold", "payment_refunded"},
    "records": {"prescription_issued"},
}


def test_every_event_an_app_sends_is_registered_with_its_email_text():
    assert set(EVENTS) >= set().union(*SENT_BY.values())
    for name in EVENTS:
        assert get_template(f"emails/{name}.txt")


@pytest.mark.parametrize("app", sorted(SENT_BY))
def test_each_app_registers_its_own_events(app):
    from importlib import import_module

    events = import_module(f"{app}.events")
    original = dict(EVENTS)
    EVENTS.clear()
    try:
        events.register_events()
        registered = set(EVENTS)
    finally:
        EVENTS.clear()
        EVENTS.update(original)

    assert registered == SENT_BY[app]


@pytest.mark.django_db
def test_unknown_event_says_how_to_register_it(patient):
    with pytest.raises(UnknownEvent, match=r"'no_such_event'.*register_event\(\)"):
        notify(patient, "no_such_event", {})


def test_quiet_and_silent_events_keep_their_flags():
    assert EVENTS["payment_received"].quiet and EVENTS["payment_received"].email
    assert EVENTS["appointment_completed"].quiet and not EVENTS["appointment_completed"].email
    assert not EVENTS["appointment_called"].email and not EVENTS["appointment_called"].quiet
