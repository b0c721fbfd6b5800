"""A critical result reaches the ordering doctor's open pages at once, as a live notification toast."""

import pytest
from asgiref.sync import sync_to_async

from labs import services
from tests.sockets import fresh_channel_layer, frame, session_cookie, socket  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.asyncio
async def test_verifying_a_critical_value_pushes_an_alert_to_the_doctor(socket, make_order, doctor, lab_worker,
                                                                         glucose_test):
    glucose = await sync_to_async(glucose_test.analytes.get)(name="Fasting glucose")
    order = await sync_to_async(make_order)("in_progress")
    await sync_to_async(services.enter_results)(order=order, values={glucose.pk: "31.0"}, by=lab_worker)
    doctors_page, connected = await socket("/ws/notifications/", user=doctor)
    assert connected

    report = await sync_to_async(services.verify_and_report)(order=order, by=lab_worker)

    pushed = await frame(doctors_page)
    assert pushed["type"] == "notification"
    assert pushed["title"] == f"Critical lab result: Ayesha Rahman ({order.accession})"
    assert pushed["url"] == f"/manage/green-life/lab/reports/{report.pk}/"
    await doctors_page.disconnect()
