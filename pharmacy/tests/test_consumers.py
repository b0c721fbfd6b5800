"""The patient's medicine order page socket: only the patient's own placed order, and a refresh
frame (no names or medicines) whenever the order moves, whoever moves it."""

import pytest
from asgiref.sync import sync_to_async

from accounts.tests.factories import PatientFactory
from healthstack import realtime
from pharmacy import services
from tests.sockets import closed_with, fresh_channel_layer, frame, session_cookie, socket  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
def paid(medicine, receive, paid_order):
    receive(medicine, 20)
    return paid_order(medicine, 2)


async def test_order_socket_is_the_patients_own_placed_order(socket, paid, pharmacist, patient, medicine):
    stranger = await sync_to_async(PatientFactory)()
    cart_line = await sync_to_async(services.add_to_cart)(patient=patient, medicine=medicine, quantity=1)
    for user, path, code in [
        (None, f"/ws/medicine-orders/{paid.pk}/", realtime.CLOSE_UNAUTHENTICATED),
        (stranger, f"/ws/medicine-orders/{paid.pk}/", realtime.CLOSE_NOT_FOUND),
        (pharmacist, f"/ws/medicine-orders/{paid.pk}/", realtime.CLOSE_NOT_FOUND),
        (patient, f"/ws/medicine-orders/{cart_line.order_id}/", realtime.CLOSE_NOT_FOUND),
    ]:
        communicator, _ = await socket(path, user=user)
        assert await closed_with(communicator) == code, (user, path)


async def test_the_pharmacist_marking_it_ready_refreshes_the_patients_page(socket, paid, pharmacist):
    page, _ = await socket(f"/ws/medicine-orders/{paid.pk}/", user=paid.patient)
    assert await page.receive_nothing(timeout=0.2)

    await sync_to_async(services.start_preparing)(order=paid, by=pharmacist)
    assert await frame(page) == {"type": "update", "event": "preparing", "order": paid.pk}
    await sync_to_async(services.mark_ready)(order=paid, by=pharmacist)
    assert await frame(page) == {"type": "update", "event": "ready", "order": paid.pk}
    await page.disconnect()
