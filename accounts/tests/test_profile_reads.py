"""Reading one's profile, on the page or through the API, writes nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import PatientProfile

WRITES = ("INSERT", "UPDATE", "DELETE")

pytestmark = pytest.mark.django_db


def writes_of(get) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = get()
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


@pytest.mark.parametrize("person", ["patient", "doctor", "receptionist"])
def test_profile_page_get_writes_nothing(request, client_for, person):
    user = request.getfixturevalue(person)
    client = client_for(user)
    client.get(reverse("me:home"))  # the session is written at sign-in, not by the page
    assert writes_of(lambda: client.get(reverse("me:profile"))) == []
    assert writes_of(lambda: client.get("/api/v1/me/profile/")) == []


def test_staff_member_without_a_patient_profile_gets_one_when_they_save(client_for, receptionist):
    client = client_for(receptionist)
    page = client.get(reverse("me:profile"))
    assert "Save profile" in page.content.decode()
    assert not PatientProfile.objects.filter(user=receptionist).exists()
    response = client.post(reverse("me:profile"), {"full_name": "Rafiq Islam", "phone": "", "blood_group": "B+"})
    assert response.status_code == 302
    assert PatientProfile.objects.get(user=receptionist).blood_group == "B+"

