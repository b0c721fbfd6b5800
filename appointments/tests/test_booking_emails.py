"""Each person told of a new booking is pointed at the page they can act on."""

from datetime import time
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from appointments import services

pytestmark = pytest.mark.django_db


def test_new_booking_email_names_each_recipients_own_page(patient, doctor_membership, booking_day, receptionist,
                                                         settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://healthstack.example"
    doctor_membership.consultation_fee = Decimal("0.00")
    doctor_membership.save(update_fields=["consultation_fee"])
    with django_capture_on_commit_callbacks(execute=True):
        appointment = services.book_appointment(patient=patient, membership=doctor_membership, day=booking_day,
                                                start=time(9, 0), reason="Fever for three days")
    body = {message.to[0]: message.body for message in mail.outbox}
    slug = doctor_membership.hospital.slug

    doctor_email = body[doctor_membership.user.email]
    assert "reception board" not in doctor_email
    assert "from your queue" in doctor_email
    assert f"https://healthstack.example{reverse('desk:queue', args=[slug])}" in doctor_email

    reception_email = body[receptionist.email]
    assert "on the reception board" in reception_email
    assert f"https://healthstack.example{reverse('desk:reception', args=[slug])}?date={booking_day:%Y-%m-%d}" in (
        reception_email)

    patient_email = body[patient.email]
    assert "reception board" not in patient_email and "appointment page" in patient_email
    assert f"https://healthstack.example{reverse('appointments:detail', args=[appointment.pk])}" in patient_email
