"""A patient is a no-show only once their slot has begun (in the hospital's zone): the service, the
reception board, the doctor's queue and the desk API all refuse it before."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from appointments import services
from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from notifications.models import Notification

Status = Appointment.Status
pytestmark = pytest.mark.django_db

VISIT_DAY = date(2026, 12, 6)  # a Sunday
# 10:00 in Kathmandu (UTC+05:45) is 04:15 UTC and 10:15 in Dhaka, the server's zone.
STARTS_AT_UTC = datetime(2026, 12, 6, 4, 15, tzinfo=UTC)
DHAKA_STARTS_AT_UTC = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)  # 10:00 in Dhaka


@pytest.fixture
def kathmandu_visit(hospital, doctor_membership, patient):
    """A confirmed 10:00–10:15 visit on VISIT_DAY at a hospital in Asia/Kathmandu (neither UTC nor the server's zone)."""
    hospital.time_zone = "Asia/Kathmandu"
    hospital.save(update_fields=["time_zone"])
    return AppointmentFactory(membership=doctor_membership, patient=patient, date=VISIT_DAY, start_time=time(10, 0),
                              end_time=time(10, 15), status=Status.CONFIRMED, token_number=1)


@pytest.fixture
def visit(doctor_membership, patient):
    """A confirmed 10:00–10:15 visit on VISIT_DAY at the (Asia/Dhaka) hospital."""
    return AppointmentFactory(membership=doctor_membership, patient=patient, date=VISIT_DAY, start_time=time(10, 0),
                              end_time=time(10, 15), status=Status.CONFIRMED, token_number=1)


@pytest.mark.parametrize("before", [timedelta(days=3), timedelta(minutes=1), timedelta(microseconds=1)])
def test_no_show_before_the_slot_starts_is_refused_and_the_patient_is_not_told(before, kathmandu_visit, receptionist,
                                                                               patient):
    with pytest.raises(services.AppointmentError) as refused:
        services.mark_no_show(appointment=kathmandu_visit, by=receptionist, now=STARTS_AT_UTC - before)

    assert str(refused.value) == ("This visit starts at 10:00 on Sun 6 Dec 2026; the patient can be marked as a "
                                  "no-show only from then.")
    kathmandu_visit.refresh_from_db()
    assert kathmandu_visit.status == Status.CONFIRMED
    assert not kathmandu_visit.status_changes.exists()
    assert not Notification.objects.filter(user=patient).exists()


@pytest.mark.parametrize("after", [timedelta(0), timedelta(minutes=20), timedelta(days=2)])
def test_no_show_from_the_start_of_the_slot_on(after, kathmandu_visit, receptionist, patient):
    marked = services.mark_no_show(appointment=kathmandu_visit, by=receptionist, now=STARTS_AT_UTC + after)

    assert marked.status == Status.NO_SHOW
    assert Notification.objects.get(user=patient).event == "appointment_no_show"


def test_no_show_follows_the_frozen_clock_when_no_time_is_given(kathmandu_visit, receptionist):
    with time_machine.travel(STARTS_AT_UTC - timedelta(seconds=1), tick=False), \
            pytest.raises(services.AppointmentError, match="only from then"):
        services.mark_no_show(appointment=kathmandu_visit, by=receptionist)
    with time_machine.travel(STARTS_AT_UTC, tick=False):
        assert services.mark_no_show(appointment=kathmandu_visit, by=receptionist).status == Status.NO_SHOW


def test_a_completed_visit_still_says_it_cannot_be_marked(kathmandu_visit, receptionist):
    kathmandu_visit.status = Status.COMPLETED
    kathmandu_visit.save(update_fields=["status"])
    with pytest.raises(services.AppointmentError, match="completed; it cannot be marked as a no-show"):
        services.mark_no_show(appointment=kathmandu_visit, by=receptionist, now=STARTS_AT_UTC - timedelta(days=1))


# Pages ---------------------------------------------------------------------------------------------

def _no_show_url(hospital, appointment):
    return reverse("desk:no-show", args=[hospital.slug, appointment.pk])


def _board(client, hospital):
    return client.get(reverse("desk:reception", args=[hospital.slug]), {"date": VISIT_DAY.isoformat()}).content.decode()


def test_reception_board_offers_no_show_only_from_the_start(visit, hospital, receptionist, client_for):
    with time_machine.travel(DHAKA_STARTS_AT_UTC - timedelta(minutes=1), tick=False):
        page = _board(client_for(receptionist), hospital)
        assert "Ayesha Rahman" in page and _no_show_url(hospital, visit) not in page
    with time_machine.travel(DHAKA_STARTS_AT_UTC, tick=False):
        assert _no_show_url(hospital, visit) in _board(client_for(receptionist), hospital)


def test_reception_board_of_a_later_day_offers_no_no_show(visit, hospital, receptionist, client_for):
    with time_machine.travel(DHAKA_STARTS_AT_UTC - timedelta(days=3), tick=False):
        page = _board(client_for(receptionist), hospital)
    assert "Ayesha Rahman" in page and _no_show_url(hospital, visit) not in page


def test_doctors_queue_offers_no_show_only_from_the_start(visit, hospital, doctor, client_for):
    queue = reverse("desk:queue", args=[hospital.slug])
    with time_machine.travel(DHAKA_STARTS_AT_UTC - timedelta(minutes=1), tick=False):
        page = client_for(doctor).get(queue).content.decode()
        assert "Ayesha Rahman" in page and _no_show_url(hospital, visit) not in page
    with time_machine.travel(DHAKA_STARTS_AT_UTC, tick=False):
        assert _no_show_url(hospital, visit) in client_for(doctor).get(queue).content.decode()


@pytest.mark.parametrize("role", ["receptionist", "doctor"])
def test_posting_no_show_before_the_start_is_refused_with_a_message(role, visit, hospital, receptionist, doctor,
                                                                    patient, client_for):
    user = receptionist if role == "receptionist" else doctor
    with time_machine.travel(DHAKA_STARTS_AT_UTC - timedelta(days=3), tick=False):
        response = client_for(user).post(_no_show_url(hospital, visit), follow=True)

    assert response.status_code == 200
    assert ("This visit starts at 10:00 on Sun 6 Dec 2026; the patient can be marked as a no-show only from then."
            in response.content.decode())
    visit.refresh_from_db()
    assert visit.status == Status.CONFIRMED
    assert not Notification.objects.filter(user=patient).exists()


def test_posting_no_show_after_the_start_marks_it(visit, hospital, receptionist, client_for):
    with time_machine.travel(DHAKA_STARTS_AT_UTC + timedelta(minutes=30), tick=False):
        response = client_for(receptionist).post(_no_show_url(hospital, visit), follow=True)
    assert "Ayesha Rahman marked as a no-show." in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == Status.NO_SHOW


# API -------------------------------------------------------------------------------------------------

def _api_no_show(hospital, appointment, user):
    api = APIClient()
    api.force_authenticate(user)
    return api.post(f"/api/v1/manage/{hospital.slug}/appointments/{appointment.pk}/no-show/")


def test_api_refuses_no_show_before_the_start_with_a_json_error(visit, hospital, receptionist, patient):
    with time_machine.travel(DHAKA_STARTS_AT_UTC - timedelta(days=3), tick=False):
        response = _api_no_show(hospital, visit, receptionist)

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [
        "This visit starts at 10:00 on Sun 6 Dec 2026; the patient can be marked as a no-show only from then."]}
    visit.refresh_from_db()
    assert visit.status == Status.CONFIRMED
    assert not Notification.objects.filter(user=patient).exists()


def test_api_marks_a_no_show_once_the_slot_has_started(visit, hospital, receptionist):
    with time_machine.travel(DHAKA_STARTS_AT_UTC + timedelta(minutes=5), tick=False):
        response = _api_no_show(hospital, visit, receptionist)
    assert response.status_code == 200 and response.json()["status"] == "no_show"


def test_api_no_show_of_another_hospitals_visit_is_a_404(visit, other_hospital):
    from hospitals.tests.factories import MembershipFactory

    outsider = MembershipFactory(hospital=other_hospital, role="receptionist").user
    with time_machine.travel(DHAKA_STARTS_AT_UTC + timedelta(minutes=5), tick=False):
        assert _api_no_show(other_hospital, visit, outsider).status_code == 404
    visit.refresh_from_db()
    assert visit.status == Status.CONFIRMED


def test_a_patient_who_arrived_is_not_a_no_show(visit, receptionist, patient, client):
    visit.arrived_at = DHAKA_STARTS_AT_UTC - timedelta(minutes=5)
    visit.save(update_fields=["arrived_at"])

    with pytest.raises(services.AppointmentError) as refused:
        services.mark_no_show(appointment=visit, by=receptionist, now=DHAKA_STARTS_AT_UTC + timedelta(minutes=30))

    assert "has arrived" in str(refused.value)
    visit.refresh_from_db()
    assert visit.status == Status.CONFIRMED
    assert not Notification.objects.filter(user=patient).exists()


def test_reception_board_offers_no_no_show_for_a_patient_who_arrived(visit, hospital, receptionist, client_for):
    visit.arrived_at = DHAKA_STARTS_AT_UTC - timedelta(minutes=5)
    visit.save(update_fields=["arrived_at"])
    with time_machine.travel(DHAKA_STARTS_AT_UTC + timedelta(minutes=30), tick=False):
        page = _board(client_for(receptionist), hospital)
    assert "Ayesha Rahman" in page and _no_show_url(hospital, visit) not in page
