"""Names and reasons people type are text: the HTML email shows them, never runs them."""

import re
from datetime import date, time

import pytest
from django.core import mail
from django.template.loader import get_template

from accounts.tests.factories import PatientFactory
from appointments import services as appointment_services
from appointments.tests.factories import AppointmentFactory
from notifications.events import EVENTS
from notifications.services import notify, send_email

HOSTILE = '<img src=x onerror="alert(1)">'
ESCAPED = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"


def _variables(event: str) -> set[str]:
    """Every context name the event's title and text template use."""
    source = EVENTS[event].title + get_template(f"emails/{event}.txt").template.source
    return set(re.findall(r"{{\s*(\w+)", source)) | set(re.findall(r"{%\s*if\s+(\w+)", source))


def _assert_escaped(message):
    html = message.alternatives[0][0]
    assert "<img" not in html
    assert ESCAPED in html
    assert HOSTILE in message.subject or HOSTILE in message.body
    assert "&lt;" not in message.body and "&lt;" not in message.subject


@pytest.mark.django_db
@pytest.mark.parametrize("event", sorted(name for name, spec in EVENTS.items() if spec.email))
def test_hostile_names_are_escaped_in_every_notification_email(event, django_capture_on_commit_callbacks):
    user = PatientFactory(full_name=HOSTILE)
    context = {name: HOSTILE for name in _variables(event) if name not in {"user", "url", "site_url"}}

    with django_capture_on_commit_callbacks(execute=True):
        notify(user, event, context, url="/me/")

    assert len(mail.outbox) == 1
    _assert_escaped(mail.outbox[0])


@pytest.mark.django_db
def test_hostile_names_are_escaped_in_the_invitation_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_email(address="new@example.test", template="staff_invitation", context={
            "full_name": HOSTILE, "invited_by": HOSTILE, "hospital_name": HOSTILE, "role": HOSTILE,
            "expires_at": None, "url": "/accounts/invite/x/",
        })

    _assert_escaped(mail.outbox[0])


@pytest.mark.django_db
def test_reception_email_shows_a_hostile_patient_name_as_text(receptionist, doctor_membership,
                                                              django_capture_on_commit_callbacks):
    patient = PatientFactory(full_name=HOSTILE)
    appointment = AppointmentFactory(patient=patient, membership=doctor_membership, status="awaiting_payment",
                                     date=date(2030, 1, 7), start_time=time(9, 0), end_time=time(9, 15))

    with django_capture_on_commit_callbacks(execute=True):
        appointment_services.request_appointment(appointment=appointment, by=patient)

    to_reception = [m for m in mail.outbox if m.to == [receptionist.email]]
    assert len(to_reception) == 1
    assert HOSTILE in to_reception[0].subject and HOSTILE in to_reception[0].body
    _assert_escaped(to_reception[0])
