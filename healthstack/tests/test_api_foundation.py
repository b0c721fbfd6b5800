from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from hospitals.tests.factories import DepartmentFactory, HospitalFactory, MembershipFactory


@pytest.fixture
def api():
    return APIClient()


@pytest.mark.django_db
def test_register_login_profile_flow(api, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/auth/register/", {"full_name": "Rina Paul", "email": "rina@example.test",
                                                       "password": "Hilsa-river-2026"}, format="json")
    assert response.status_code == 202 and "Check your email" in response.json()["detail"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/signup/confirm/" in line)
    client.post(urlsplit(link.strip()).path)

    login = api.post("/api/v1/auth/login/", {"email": "RINA@example.test", "password": "Hilsa-river-2026"},
                     format="json")
    token = login.json()["token"]
    assert login.json()["user"]["patient_profile"]["patient_number"].startswith("P")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/profile/").json()["full_name"] == "Rina Paul"

    updated = api.patch("/api/v1/me/profile/", {"blood_group": "B+", "phone": "+8801712345678"}, format="json")
    assert updated.status_code == 200
    assert updated.json()["patient_profile"]["blood_group"] == "B+"
    assert User.objects.get(email="rina@example.test").phone == "+8801712345678"


@pytest.mark.django_db
@pytest.mark.parametrize("payload,field", [
    ({"full_name": "A", "email": "bad", "password": "Hilsa-river-2026"}, "email"),
    ({"full_name": "A", "email": "a@example.test", "password": "123"}, "password"),
    ({"email": "a@example.test", "password": "Hilsa-river-2026"}, "full_name"),
])
def test_register_errors_name_the_field(api, payload, field):
    response = api.post("/api/v1/auth/register/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_profile_update_error_is_json_with_field(api, patient):
    api.force_authenticate(patient)
    response = api.patch("/api/v1/me/profile/", {"date_of_birth": "2999-01-01"}, format="json")
    assert response.status_code == 400 and "date_of_birth" in response.json()


@pytest.mark.django_db
def test_login_wrong_password_and_lockout(api, patient):
    for _ in range(4):
        bad = api.post("/api/v1/auth/login/", {"email": patient.email, "password": "nope"}, format="json")
        assert bad.status_code == 400 and "non_field_errors" in bad.json()
    from accounts.tests.factories import PASSWORD

    api.post("/api/v1/auth/login/", {"email": patient.email, "password": "nope"}, format="json")
    locked = api.post("/api/v1/auth/login/", {"email": patient.email, "password": PASSWORD}, format="json")
    assert locked.status_code == 429
    assert "Too many failed" in locked.json()["non_field_errors"][0]


@pytest.mark.django_db
def test_profile_needs_authentication(api):
    response = api.get("/api/v1/me/profile/")
    assert response.status_code in (401, 403) and "detail" in response.json()


@pytest.mark.django_db
def test_directory_endpoints(api):
    listed = HospitalFactory(name="Dhaka Heart", slug="dhaka-heart", city="Dhaka")
    HospitalFactory(name="Hidden", slug="hidden", status="pending")
    cardio = DepartmentFactory(hospital=listed, name="Cardiology", slug="cardiology")
    doctor = MembershipFactory(hospital=listed, department=cardio, user__full_name="Rahim Uddin",
                               user__doctor_profile__specialisation="Cardiology")
    hospitals = api.get("/api/v1/hospitals/", {"q": "cardio"}).json()
    assert [h["slug"] for h in hospitals["results"]] == ["dhaka-heart"]
    assert api.get("/api/v1/hospitals/hidden/").status_code == 404
    assert [d["slug"] for d in api.get("/api/v1/hospitals/dhaka-heart/departments/").json()["results"]] == ["cardiology"]
    doctors = api.get("/api/v1/doctors/", {"q": "rahim"}).json()["results"]
    assert doctors[0]["practices"][0]["consultation_fee"] == "500.00"
    assert api.get(f"/api/v1/doctors/{doctor.user.doctor_profile.pk}/").json()["full_name"] == "Rahim Uddin"


@pytest.mark.django_db
def test_unknown_api_url_is_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_schema_and_docs(client):
    schema = client.get(reverse("api-schema"))
    assert schema.status_code == 200 and b"/api/v1/auth/register/" in schema.content
    docs = client.get(reverse("api-docs")).content.decode()
    assert "swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
