"""Suspending a staff member closes the sockets they have open, on every device, not only new ones."""

import pytest
from asgiref.sync import sync_to_async

from accounts.tests.factories import PatientFactory
from healthstack import realtime
from hospitals.models import Membership
from hospitals.services import suspend_member
from tests.sockets import closed_with, fresh_channel_layer, session_cookie, socket  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_suspending_a_staff_member_closes_their_open_sockets(socket, hospital_admin, receptionist):
    patient = await sync_to_async(PatientFactory)()
    desk, _ = await socket("/ws/notifications/", user=receptionist)
    other_device, _ = await socket("/ws/notifications/", user=receptionist)
    bystander, _ = await socket("/ws/notifications/", user=patient)

    def suspend():
        membership = Membership.objects.get(user=receptionist, hospital__memberships__user=hospital_admin)
        suspend_member(membership=membership, by=hospital_admin)

    await sync_to_async(suspend)()

    assert await closed_with(desk) == realtime.CLOSE_SESSION_ENDED
    assert await closed_with(other_device) == realtime.CLOSE_SESSION_ENDED
    assert await bystander.receive_nothing(timeout=0.3)
    for open_socket in (desk, other_device, bystander):
        await open_socket.disconnect()
