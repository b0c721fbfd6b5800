"""The care relationship (records.permissions): every appointment status, reached by every path,
either opens a patient's record and chat to the doctor or does not; and every doctor surface obeys it."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from appointments import services
from appointments.models import Appointment
from appointments.slots import local_now
from appointments.tests.factories import ScheduleRuleFactory
from chat.permissions import has_care_relationship as chat_care
from records.permissions import has_care_relationship, patients_in_care

from .factories import MedicalDocumentFactory

Status = Appointment.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def booking_day(doctor_membership):
    day = local_now(doctor_membership.hospital).date() + timedelta(days=3)
    ScheduleRuleFactory(membership=doctor_membership, weekday=day.weekday())
    return day


def _walk(patient, membership, day, moves, *, receptionist):
    appointment = services.book_appointment(patient=patient, membership=membership, day=day, start=time(9, 0),
                                            reason="Chest pain")
    for move in moves:
        if move == "pay":  # what the confirmed payment does (PayableAppointment.on_payment_confirmed)
            services.request_appointment(appointment=appointment, by=patient, reason="Paid.")
        elif move == "expire":
            services.expire_appointment(appointment=appointment)
        elif move == "cancel":
            services.cancel_appointment(appointment=appointment, by=patient, reason="Feeling better")
        elif move == "reject":
            services.reject_appointment(appointment=appointment, by=receptionist, reason="Doctor away")
        elif move == "confirm":
            services.confirm_appointment(appointment=appointment, by=receptionist)
        elif move == "complete":
            services.complete_appointment(appointment=appointment, by=membership.user)
        elif move == "no_show":
            services.mark_no_show(appointment=appointment, by=membership.user, now=appointment.starts_at)
    appointment.refresh_from_db()
    return appointment


# (fee, moves after booking, final status, grants a care relationship)
PATHS = {
    "booked with a fee, not paid": ("fee", [], Status.AWAITING_PAYMENT, False),
    "payment hold ran out": ("fee", ["expire"], Status.EXPIRED, False),
    "cancelled while awaiting payment": ("fee", ["cancel"], Status.CANCELLED, False),
    "paid, not yet accepted": ("fee", ["pay"], Status.REQUESTED, False),
    "free request, not yet accepted": ("free", [], Status.REQUESTED, False),
    "paid, rejected by the hospital": ("fee", ["pay", "reject"], Status.REJECTED, False),
    "free request rejected": ("free", ["reject"], Status.REJECTED, False),
    "paid, cancelled before acceptance": ("fee", ["pay", "cancel"], Status.CANCELLED, False),
    "free request cancelled": ("free", ["cancel"], Status.CANCELLED, False),
    "paid and confirmed": ("fee", ["pay", "confirm"], Status.CONFIRMED, True),
    "free and confirmed": ("free", ["confirm"], Status.CONFIRMED, True),
    "confirmed, then cancelled by the patient": ("fee", ["pay", "confirm", "cancel"], Status.CANCELLED, False),
    "confirmed and completed": ("fee", ["pay", "confirm", "complete"], Status.COMPLETED, True),
    "confirmed, patient did not come": ("fee", ["pay", "confirm", "no_show"], Status.NO_SHOW, True),
}


@pytest.mark.parametrize("path", PATHS)
def test_care_relationship_by_status_and_path(path, patient, doctor_membership, receptionist, booking_day):
    fee, moves, status, grants = PATHS[path]
    if fee == "free":
        doctor_membership.consultation_fee = Decimal("0.00")
        doctor_membership.save(update_fields=["consultation_fee"])
    appointment = _walk(patient, doctor_membership, booking_day, moves, receptionist=receptionist)
    doctor = doctor_membership.user

    assert appointment.status == status
    assert has_care_relationship(doctor, patient) is grants
    assert chat_care(patient_id=patient.pk, doctor_id=doctor.pk) is grants
    assert patients_in_care(doctor).filter(pk=patient.pk).exists() is grants


@pytest.mark.parametrize("path", [name for name, (*_, grants) in PATHS.items() if grants])
@pytest.mark.parametrize("suspended", ["membership", "hospital"])
def test_suspension_ends_the_care_relationship(path, suspended, patient, doctor_membership, receptionist,
                                               booking_day):
    fee, moves, _, _ = PATHS[path]
    if fee == "free":
        doctor_membership.consultation_fee = Decimal("0.00")
        doctor_membership.save(update_fields=["consultation_fee"])
    _walk(patient, doctor_membership, booking_day, moves, receptionist=receptionist)
    doctor = doctor_membership.user
    assert has_care_relationship(doctor, patient)
    if suspended == "membership":
        doctor_membership.status = "suspended"
        doctor_membership.save(update_fields=["status"])
    else:
        doctor_membership.hospital.status = "suspended"
        doctor_membership.hospital.save(update_fields=["status"])

    assert not has_care_relationship(doctor, patient)
    assert not chat_care(patient_id=patient.pk, doctor_id=doctor.pk)
    assert not patients_in_care(doctor).exists()


def test_care_at_one_hospital_survives_a_suspension_at_another(patient, doctor_membership, receptionist,
                                                               booking_day, other_hospital):
    from hospitals.tests.factories import DepartmentFactory, MembershipFactory

    elsewhere = MembershipFactory(hospital=other_hospital, user=doctor_membership.user, role="doctor",
                                  department=DepartmentFactory(hospital=other_hospital, name="Medicine",
                                                               slug="medicine"))
    Appointment.objects.create(hospital=other_hospital, patient=patient, membership=elsewhere, date=booking_day,
                               start_time=time(14), end_time=time(14, 15), reason="Follow-up",
                               status=Status.COMPLETED, token_number=1)
    doctor_membership.status = "suspended"
    doctor_membership.save(update_fields=["status"])
    assert has_care_relationship(doctor_membership.user, patient)


# Every doctor surface follows the predicate -------------------------------------------------

def _surfaces(client, hospital, patient, document):
    """Status codes of what a doctor can do with a patient's record, and whether the list shows them."""
    base = f"/manage/{hospital.slug}"
    listed = patient.full_name in client.get(f"{base}/patients/").content.decode()
    return {
        "listed": listed,
        "record": client.get(f"{base}/patients/{patient.pk}/").status_code,
        "download": client.get(f"{base}/patients/{patient.pk}/documents/{document.pk}/").status_code,
        "prescribe": client.get(f"{base}/prescriptions/new/", {"patient": patient.pk}).status_code,
        "chat": client.get(f"/chat/with/{patient.pk}/").status_code,
    }


CLOSED = {"listed": False, "record": 404, "download": 404, "prescribe": 404, "chat": 404}
OPEN = {"listed": True, "record": 200, "download": 200, "prescribe": 200, "chat": 200}


@pytest.mark.parametrize("channel", ["pages", "api"])
def test_a_booking_cancelled_before_payment_opens_nothing(channel, patient, doctor_membership, hospital,
                                                          booking_day, client_for, settings):
    document = MedicalDocumentFactory(patient=patient)
    if channel == "api":
        api = APIClient()
        api.force_authenticate(patient)
        booked = api.post("/api/v1/me/appointments/", {
            "membership": doctor_membership.pk, "date": booking_day.isoformat(), "start_time": "09:00",
            "reason": "Chest pain",
        }, format="json").json()
        assert booked["status"] == "awaiting_payment"
        cancelled = api.post(f"/api/v1/me/appointments/{booked['id']}/cancel/", {"reason": "Changed my mind"},
                             format="json")
        assert cancelled.json()["status"] == "cancelled"
    else:
        settings.SSLCOMMERZ_BASE_URL = "http://127.0.0.1:9/sandbox/sslcommerz"  # the booking goes on to no gateway
        booked = client_for(patient).post(f"/doctors/{doctor_membership.user.doctor_profile.pk}/book/", {
            "membership": doctor_membership.pk, "date": booking_day.isoformat(), "start": "09:00",
            "reason": "Chest pain",
        })
        appointment = Appointment.objects.get(patient=patient)
        assert appointment.status == Status.AWAITING_PAYMENT, booked
        client_for(patient).post(f"/appointments/{appointment.pk}/cancel/", {"reason": "Changed my mind"})
        appointment.refresh_from_db()
        assert appointment.status == Status.CANCELLED

    assert _surfaces(client_for(doctor_membership.user), hospital, patient, document) == CLOSED


def test_a_confirmed_booking_opens_every_surface(patient, doctor_membership, hospital, receptionist, booking_day,
                                                 client_for):
    document = MedicalDocumentFactory(patient=patient)
    appointment = _walk(patient, doctor_membership, booking_day, ["pay"], receptionist=receptionist)
    doctor_client = client_for(doctor_membership.user)
    assert _surfaces(doctor_client, hospital, patient, document) == CLOSED  # requested: not accepted yet

    services.confirm_appointment(appointment=appointment, by=receptionist)
    assert _surfaces(doctor_client, hospital, patient, document) == OPEN
