"""Sign-up never says whether an email has an account; only the mailbox owner learns it."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD, DoctorFactory, PatientFactory

SIGNUP = {
    "full_name": "Ayesha Rahman", "email": "Ayesha@Example.test", "phone": "+8801711000000",
    "password1": "Lotus-garden-77", "password2": "Lotus-garden-77", "date_of_birth": "1990-05-17", "sex": "female",
}
API_SIGNUP = {"full_name": "Rina Paul", "email": "rina@example.test", "password": "Hilsa-river-2026"}


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    """POST a sign-up (page or API) and deliver the email it sends on commit."""

    def post(data, *, api=False):
        with django_capture_on_commit_callbacks(execute=True):
            if api:
                return APIClient().post("/api/v1/auth/register/", data, format="json")
            return client.post(reverse("accounts:signup"), data)

    return post


def page_answer(response):
    """What a visitor sees: status, where they are sent, and the page they land on."""
    return response.status_code, response["Location"]


@pytest.mark.django_db
def test_signup_page_answers_the_same_for_a_new_and_a_registered_email(client):
    PatientFactory(email="taken@example.test", full_name="Taken Owner")
    new = client.post(reverse("accounts:signup"), {**SIGNUP, "email": "fresh@example.test"})
    taken = client.post(reverse("accounts:signup"), {**SIGNUP, "email": " TAKEN@example.test"})
    assert page_answer(new) == page_answer(taken) == (302, reverse("accounts:signup-sent"))
    assert "_auth_user_id" not in client.session
    sent = client.get(reverse("accounts:signup-sent")).content.decode()
    assert "Check your email" in sent and "already exists" not in sent


@pytest.mark.django_db
def test_signup_api_answers_the_same_for_a_new_and_a_registered_email():
    PatientFactory(email="taken@example.test")
    api = APIClient()
    new = api.post("/api/v1/auth/register/", {**API_SIGNUP, "email": "fresh@example.test"}, format="json")
    taken = api.post("/api/v1/auth/register/", {**API_SIGNUP, "email": "Taken@Example.test"}, format="json")
    assert new.status_code == taken.status_code == 202
    assert new.json() == taken.json() and set(new.json()) == {"detail"}


@pytest.mark.django_db
def test_signup_with_a_registered_email_tells_its_owner_and_changes_nothing(sign_up):
    owner = PatientFactory(email="taken@example.test", full_name="Taken Owner")
    sign_up({**SIGNUP, "email": "taken@example.test", "full_name": "Someone Else"})
    assert [m.to for m in mail.outbox] == [["taken@example.test"]]
    assert "tried to sign up" in mail.outbox[0].subject
    assert link_in(mail.outbox[0]) == reverse("accounts:password-reset")
    owner.refresh_from_db()
    assert owner.full_name == "Taken Owner" and owner.check_password(PASSWORD)
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_new_signup_is_inactive_until_the_emailed_link_is_confirmed(client, sign_up):
    sign_up(SIGNUP)
    user = User.objects.get(email="ayesha@example.test")
    assert not user.is_active and user.patient_profile.patient_number.startswith("P")
    assert client.post(reverse("accounts:login"), {"username": user.email, "password": "Lotus-garden-77"}).status_code == 200

    link = link_in(mail.outbox[0])
    assert mail.outbox[0].to == ["ayesha@example.test"]
    page = client.get(link)
    assert page.status_code == 200 and "Confirm and sign in" in page.content.decode()
    user.refresh_from_db()
    assert not user.is_active  # opening the link (a mail scanner) changes nothing

    response = client.post(link, follow=True)
    assert response.redirect_chain[-1][0] == reverse("me:home")
    assert "Welcome to HealthStack" in response.content.decode()
    user.refresh_from_db()
    assert user.is_active and not user.awaiting_email_confirmation
    assert client.get(link).status_code == 404  # used once


@pytest.mark.django_db
def test_confirmation_link_with_bad_token_is_refused(client, sign_up):
    sign_up(SIGNUP)
    link = link_in(mail.outbox[0])
    assert client.post(link[:-3] + "xyz/").status_code == 404
    assert client.get("/accounts/signup/confirm/!!/abc/").status_code == 404
    assert not User.objects.get(email="ayesha@example.test").is_active


@pytest.mark.django_db
def test_a_newer_signup_replaces_an_unconfirmed_one_and_only_its_link_works(client, sign_up):
    sign_up({**SIGNUP, "full_name": "Squatter"})
    sign_up({**SIGNUP, "password1": "Owner-lotus-88", "password2": "Owner-lotus-88"})
    first, second = (link_in(m) for m in mail.outbox)
    assert client.post(first).status_code == 404
    client.post(second)
    user = User.objects.get(email="ayesha@example.test")
    assert user.is_active and user.full_name == "Ayesha Rahman" and user.check_password("Owner-lotus-88")


@pytest.mark.django_db
def test_api_signup_then_confirm_then_login_for_a_token(client, sign_up):
    api = APIClient()
    assert sign_up(API_SIGNUP, api=True).status_code == 202
    refused = api.post("/api/v1/auth/login/", {"email": "rina@example.test", "password": "Hilsa-river-2026"},
                       format="json")
    assert refused.status_code == 400
    client.post(link_in(mail.outbox[0]))
    login = api.post("/api/v1/auth/login/", {"email": "rina@example.test", "password": "Hilsa-river-2026"},
                     format="json")
    assert login.status_code == 200 and login.json()["token"]


DOCTOR = {**SIGNUP, "email": "dr.y@example.test", "specialisation": "Medicine", "qualifications": "MBBS",
          "registration_number": "BMDC-A-9", "years_of_practice": 1}


@pytest.mark.django_db
def test_doctor_signup_answers_the_same_for_a_new_and_a_registered_number(client):
    DoctorFactory(doctor_profile__registration_number="BMDC-A-7")
    new = client.post(reverse("accounts:signup-doctor"), DOCTOR)
    taken = client.post(reverse("accounts:signup-doctor"), {**DOCTOR, "email": "dr.z@example.test",
                                                             "registration_number": " bmdc-a-7"})
    assert page_answer(new) == page_answer(taken) == (302, reverse("accounts:signup-sent"))


@pytest.mark.django_db
def test_doctor_signup_with_a_registered_number_tells_the_mailbox_and_the_operators(
        client, settings, django_capture_on_commit_callbacks):
    settings.OPERATOR_EMAILS = ["ops@example.test"]
    holder = DoctorFactory(email="dr.real@example.test", doctor_profile__registration_number="BMDC-A-7")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:signup-doctor"), {**DOCTOR, "registration_number": "bmdc-a-7"})
    assert not User.objects.filter(email="dr.y@example.test").exists()
    holder.refresh_from_db()
    assert holder.doctor_profile.registration_number == "BMDC-A-7" and holder.check_password(PASSWORD)
    applicant, operator = sorted(mail.outbox, key=lambda m: m.to)
    assert applicant.to == ["dr.y@example.test"] and operator.to == ["ops@example.test"]
    assert "bmdc-a-7" in applicant.body and "no new account was opened" in applicant.body
    assert "dr.real@example.test" not in applicant.body
    assert "dr.y@example.test" in operator.body and "dr.real@example.test" in operator.body
