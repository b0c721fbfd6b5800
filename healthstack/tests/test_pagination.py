"""One page size for every list: PAGE_SIZE from the environment, pages and API alike."""

import pytest

from hospitals.tests.factories import ListedHospitalFactory, MembershipFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_staff_list_notifications_and_api_page_by_page_size(settings, hospital, hospital_admin, patient, client_for,
                                                            client):
    settings.PAGE_SIZE = 2
    for role in ("receptionist", "lab_worker", "pharmacist"):
        MembershipFactory(hospital=hospital, role=role)
    for n in range(3):
        Notification.objects.create(user=patient, event="test", title=f"News {n}")
    for _ in range(3):
        ListedHospitalFactory()

    staff = client_for(hospital_admin).get(f"/manage/{hospital.slug}/staff/")
    assert len(staff.context["page_obj"]) == 2 and staff.context["page_obj"].paginator.num_pages == 2
    news = client_for(patient).get("/notifications/")
    assert len(news.context["page_obj"]) == 2
    api = client.get("/api/v1/doctors/").json()
    assert api["count"] == 3 and len(api["results"]) == 2 and api["next"]


def test_a_page_past_the_end_is_the_last_page(settings, patient, client_for):
    settings.PAGE_SIZE = 2
    for n in range(3):
        Notification.objects.create(user=patient, event="test", title=f"News {n}")
    page = client_for(patient).get("/notifications/", {"page": "99"}).context["page_obj"]
    assert page.number == 2 and len(page) == 1
