"""The clinic-desk JSON API: the same rules as the pages, errors as JSON with a field name."""

from datetime import time

import pytest
from rest_framework.test import APIClient

from appointments.models import Appointment
from hospitals.tests.factories import MembershipFactory


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


@pytest.mark.django_db
def test_slots_book_list_cancel(api, patient, doctor_membership, booking_day):
    slots = api.get(f"/api/v1/practices/{doctor_membership.pk}/slots/", {"date": booking_day.isoformat()}).json()
    assert slots[0] == {"start": "09:00", "end": "09:15"} and len(slots) == 16

    as_user(api, patient)
    booked = api.post("/api/v1/me/appointments/", {"membership": doctor_membership.pk, "date": booking_day.isoformat(),
                                                   "start_time": "09:00", "reason": "Chest pain"}, format="json")
    assert booked.status_code == 201
    appointment_id = booked.json()["id"]
    assert booked.json()["status"] in ("requested", "awaiting_payment")

    again = api.post("/api/v1/me/appointments/", {"membership": doctor_membership.pk, "date": booking_day.isoformat(),
                                                  "start_time": "09:00", "reason": "Again"}, format="json")
    assert again.status_code == 400 and "non_field_errors" in again.json()

    assert [a["id"] for a in api.get("/api/v1/me/appointments/").json()["results"]] == [appointment_id]

    no_reason = api.post(f"/api/v1/me/appointments/{appointment_id}/cancel/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    cancelled = api.post(f"/api/v1/me/appointments/{appointment_id}/cancel/", {"reason": "Feeling better"},
                         format="json")
    assert cancelled.json()["status"] == "cancelled"


@pytest.mark.django_db
@pytest.mark.parametrize("payload,field", [
    ({"date": "2020-01-01", "start_time": "09:00", "reason": "x"}, "non_field_errors"),
    ({"date": "not-a-date", "start_time": "09:00", "reason": "x"}, "date"),
    ({"date": None, "start_time": "09:07", "reason": "x"}, "non_field_errors"),
    ({"date": None, "start_time": "09:00", "reason": ""}, "reason"),
])
def test_booking_bad_input(api, patient, doctor_membership, booking_day, payload, field):
    payload = dict(payload, membership=doctor_membership.pk)
    if payload["date"] is None:
        payload["date"] = booking_day.isoformat()
    response = as_user(api, patient).post("/api/v1/me/appointments/", payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_someone_elses_appointment_is_404(api, make_appointment, doctor):
    from accounts.tests.factories import PatientFactory

    appointment = make_appointment()
    stranger = as_user(api, PatientFactory())
    assert stranger.get(f"/api/v1/me/appointments/{appointment.pk}/").status_code == 404
    assert stranger.post(f"/api/v1/me/appointments/{appointment.pk}/cancel/", {"reason": "x"},
                         format="json").status_code == 404


@pytest.mark.django_db
def test_reception_confirm_returns_token_and_reject_needs_reason(api, hospital, receptionist, make_appointment):
    first = make_appointment(start=time(9, 0))
    second = make_appointment(start=time(9, 15), patient=MembershipFactory(hospital=hospital, role="admin").user)
    desk = as_user(api, receptionist)
    listing = desk.get(f"/api/v1/manage/{hospital.slug}/appointments/", {"date": first.date.isoformat()}).json()
    assert [a["id"] for a in listing["results"]] == [first.pk, second.pk]

    confirmed = desk.post(f"/api/v1/manage/{hospital.slug}/appointments/{first.pk}/confirm/")
    assert confirmed.json()["token_number"] == 1 and confirmed.json()["status"] == "confirmed"
    twice = desk.post(f"/api/v1/manage/{hospital.slug}/appointments/{first.pk}/confirm/")
    assert twice.status_code == 400 and "cannot be confirmed" in twice.json()["non_field_errors"][0]

    missing = desk.post(f"/api/v1/manage/{hospital.slug}/appointments/{second.pk}/reject/", {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    rejected = desk.post(f"/api/v1/manage/{hospital.slug}/appointments/{second.pk}/reject/",
                         {"reason": "Doctor on leave"}, format="json")
    assert rejected.json()["status"] == "rejected"


@pytest.mark.django_db
def test_desk_api_tenancy(api, hospital, other_hospital, patient, doctor, make_appointment):
    appointment = make_appointment()
    url = f"/api/v1/manage/{hospital.slug}/appointments/"
    assert api.get(url).status_code in (401, 403)
    assert as_user(APIClient(), patient).get(url).status_code == 404
    outsider = MembershipFactory(hospital=other_hospital, role="receptionist").user
    assert as_user(APIClient(), outsider).get(url).status_code == 404
    assert as_user(APIClient(), outsider).post(
        f"/api/v1/manage/{other_hospital.slug}/appointments/{appointment.pk}/confirm/").status_code == 404
    wrong_role = as_user(APIClient(), doctor).get(url)
    assert wrong_role.status_code == 403 and "detail" in wrong_role.json()
    appointment.refresh_from_db()
    assert appointment.status == "requested"
