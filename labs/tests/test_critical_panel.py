"""The doctor's "critical lab results" dashboard panel follows the alerts live: its list is a fragment the page
fetches again when a critical result arrives or one is acknowledged, over the doctor's notification socket."""


import pytest
from asgiref.sync import sync_to_async

from hospitals.tests.factories import MembershipFactory
from labs import services
from tests.sockets import fresh_channel_layer, frame, session_cookie, socket  # noqa: F401

from .conftest import NOW


def panel_url(hospital):
    return f"/manage/{hospital.slug}/lab/critical-results/"


@pytest.mark.django_db
def test_dashboard_keeps_a_place_for_critical_results_that_arrive_later(client_for, doctor, hospital):
    page = client_for(doctor).get(f"/manage/{hospital.slug}/").content.decode()

    assert f'data-critical-results="{panel_url(hospital)}"' in page
    assert 'data-testid="critical-results"' not in page
    assert "js/critical_results.js" in page


@pytest.mark.django_db
def test_panel_fragment_lists_the_doctors_critical_results_until_acknowledged(client_for, doctor, hospital,
                                                                              critical_order):
    client = client_for(doctor)

    before = client.get(panel_url(hospital))
    services.acknowledge_critical(report=critical_order.reports.get(), by=doctor, now=NOW)
    after = client.get(panel_url(hospital))

    assert before.status_code == 200 and 'data-testid="critical-results"' in before.content.decode()
    assert critical_order.accession in before.content.decode()
    assert "<html" not in before.content.decode()
    assert f'name="next" value="/manage/{hospital.slug}/"' in before.content.decode()
    assert after.status_code == 200 and 'data-testid="critical-results"' not in after.content.decode()


@pytest.mark.django_db
def test_panel_fragment_is_the_doctors_only(client, client_for, hospital, other_hospital, critical_order, lab_worker,
                                            hospital_admin):
    doctor_elsewhere = MembershipFactory(hospital=other_hospital).user

    assert client.get(panel_url(hospital)).status_code == 302
    assert client_for(lab_worker).get(panel_url(hospital)).status_code == 403
    assert client_for(hospital_admin).get(panel_url(hospital)).status_code == 403
    assert client_for(doctor_elsewhere).get(panel_url(hospital)).status_code == 404
    elsewhere = client_for(doctor_elsewhere).get(panel_url(other_hospital))
    assert elsewhere.status_code == 200 and critical_order.accession not in elsewhere.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_acknowledging_tells_the_ordering_doctors_pages_to_drop_it(socket, critical_order, doctor):
    doctors_page, connected = await socket("/ws/notifications/", user=doctor)
    assert connected

    report = await sync_to_async(critical_order.reports.get)()
    await sync_to_async(services.acknowledge_critical)(report=report, by=doctor)

    pushed = await frame(doctors_page)
    assert pushed == {"type": "update", "event": "lab_critical_acknowledged", "order": critical_order.pk}
    await doctors_page.disconnect()
