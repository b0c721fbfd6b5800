"""Live sockets of the appointment pages: who may listen, and that status moves reach them."""

from datetime import time

import pytest
from asgiref.sync import sync_to_async

from accounts.tests.factories import PatientFactory
from appointments import services
from appointments.slots import local_now
from appointments.tests.factories import AppointmentFactory, ScheduleRuleFactory
from hospitals.tests.factories import MembershipFactory
from healthstack import realtime
from tests.sockets import closed_with, fresh_channel_layer, frame, session_cookie, socket  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
def today_appointment(doctor_membership, patient):
    """A requested appointment today with ``doctor_membership`` (its rule makes the day bookable)."""
    today = local_now(doctor_membership.hospital).date()
    ScheduleRuleFactory(membership=doctor_membership, weekday=today.weekday())
    return AppointmentFactory(membership=doctor_membership, patient=patient, date=today,
                              start_time=time(9), end_time=time(9, 15))


async def test_reception_socket_follows_the_guard(socket, hospital, receptionist, doctor, patient, other_hospital):
    outsider = await sync_to_async(MembershipFactory)(hospital=other_hospital, role="receptionist")
    path = f"/ws/manage/{hospital.slug}/reception/"
    allowed, _ = await socket(path, user=receptionist)
    assert await allowed.receive_nothing(timeout=0.2)
    for user, code in [(None, realtime.CLOSE_UNAUTHENTICATED), (patient, realtime.CLOSE_NOT_FOUND),
                       (outsider.user, realtime.CLOSE_NOT_FOUND), (doctor, realtime.CLOSE_FORBIDDEN)]:
        communicator, _ = await socket(path, user=user)
        assert await closed_with(communicator) == code, user
    await allowed.disconnect()


async def test_queue_socket_is_the_doctors_own(socket, hospital, doctor, receptionist):
    communicator, _ = await socket(f"/ws/manage/{hospital.slug}/queue/", user=receptionist)
    assert await closed_with(communicator) == realtime.CLOSE_FORBIDDEN
    own, _ = await socket(f"/ws/manage/{hospital.slug}/queue/", user=doctor)
    assert await own.receive_nothing(timeout=0.2)
    await own.disconnect()


async def test_appointment_socket_is_the_patients_own(socket, today_appointment):
    stranger = await sync_to_async(PatientFactory)()
    communicator, _ = await socket(f"/ws/appointments/{today_appointment.pk}/", user=stranger)
    assert await closed_with(communicator) == realtime.CLOSE_NOT_FOUND


async def test_confirming_updates_board_queue_patient_page_and_display(socket, hospital, receptionist, doctor,
                                                                      today_appointment):
    board, _ = await socket(f"/ws/manage/{hospital.slug}/reception/", user=receptionist)
    queue, _ = await socket(f"/ws/manage/{hospital.slug}/queue/", user=doctor)
    page, _ = await socket(f"/ws/appointments/{today_appointment.pk}/", user=today_appointment.patient)
    display, _ = await socket(f"/ws/display/{hospital.slug}/{today_appointment.membership_id}/", origin=b"http://127.0.0.1:8000")

    await sync_to_async(services.confirm_appointment)(appointment=today_appointment, by=receptionist)
    expected = {"type": "update", "event": "confirmed", "appointment": today_appointment.pk,
                "date": today_appointment.date.isoformat()}
    assert await frame(board) == expected
    assert await frame(queue) == expected
    assert await frame(page) in (expected, {"type": "update", "event": "queue", "date": expected["date"]})

    await sync_to_async(services.call_next)(membership=today_appointment.membership, by=doctor)
    serving = {"type": "update", "event": "queue", "date": expected["date"], "now_serving": 1}
    frames = [await frame(display) for _ in range(2)]
    assert serving in frames
    assert all(set(f) <= {"type", "event", "date", "now_serving"} for f in frames)  # no ids or names in public
    for communicator in (board, queue, page, display):
        await communicator.disconnect()


async def test_display_socket_is_public_and_read_only(socket, hospital, doctor_membership):
    communicator, _ = await socket(f"/ws/display/{hospital.slug}/{doctor_membership.pk}/")
    await communicator.send_to(text_data='{"type": "message", "body": "hi"}')
    assert (await frame(communicator))["code"] == "read_only"
    await communicator.disconnect()
    missing, _ = await socket(f"/ws/display/{hospital.slug}/999999/")
    assert await closed_with(missing) == realtime.CLOSE_NOT_FOUND
