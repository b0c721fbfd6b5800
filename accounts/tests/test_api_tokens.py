"""API tokens expire, idle out for staff, die with the password or a suspension, and can be revoked."""

from datetime import datetime, timedelta, timezone as dt_timezone, UTC
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tests.factories import PASSWORD, PatientFactory, UserFactory
from hospitals.models import Membership
from hospitals.tests.factories import MembershipFactory

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def log_in(user, agent="HealthStack Android 2.1"):
    response = APIClient().post("/api/v1/auth/login/", {"email": user.email, "password": PASSWORD},
                                format="json", HTTP_USER_AGENT=agent)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def profile_with(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/me/profile/")


def assert_refused(response):
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "detail" in response.json()


@pytest.mark.django_db
def test_unknown_or_malformed_token_is_401_with_www_authenticate():
    assert_refused(profile_with("not-a-real-token"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token")
    assert_refused(client.get("/api/v1/me/profile/"))


@pytest.mark.django_db
def test_no_credentials_on_api_is_401_with_www_authenticate():
    assert_refused(APIClient().get("/api/v1/me/profile/"))


@pytest.mark.django_db
def test_patient_token_expires_after_its_lifetime():
    patient = PatientFactory()
    lifetime = timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    with time_machine.travel(START, tick=False) as clock:
        login = APIClient().post("/api/v1/auth/login/", {"email": patient.email, "password": PASSWORD}, format="json")
        token = login.json()["token"]
        assert login.json()["expires"].startswith((START + lifetime).strftime("%Y-%m-%dT%H:%M"))
        clock.shift(lifetime - timedelta(minutes=1))
        assert profile_with(token).status_code == 200
        clock.shift(timedelta(minutes=2))
        assert_refused(profile_with(token))
    assert not ApiToken.objects.filter(user=patient).exists()


@pytest.mark.django_db
def test_staff_token_ends_after_idle_minutes_but_lives_while_used(receptionist):
    idle = timedelta(minutes=settings.STAFF_API_TOKEN_TTL_MINUTES)
    with time_machine.travel(START, tick=False) as clock:
        token = log_in(receptionist)
        for _ in range(4):  # two hours of steady use, well past one idle period
            clock.shift(idle - timedelta(minutes=2))
            assert profile_with(token).status_code == 200
        clock.shift(idle + timedelta(minutes=1))
        assert_refused(profile_with(token))


@pytest.mark.django_db
def test_patient_token_is_cut_to_the_idle_time_once_they_join_a_hospital_staff(hospital):
    person = PatientFactory()
    with time_machine.travel(START, tick=False) as clock:
        token = log_in(person)
        MembershipFactory(hospital=hospital, user=person, role="receptionist")
        assert profile_with(token).status_code == 200
        clock.shift(timedelta(minutes=settings.STAFF_API_TOKEN_TTL_MINUTES + 2))
        assert_refused(profile_with(token))


@pytest.mark.django_db
def test_each_login_gets_a_new_token_and_older_devices_keep_theirs():
    patient = PatientFactory()
    phone, tablet = log_in(patient, "Phone app"), log_in(patient, "Tablet app")
    assert phone != tablet
    assert profile_with(phone).status_code == 200 and profile_with(tablet).status_code == 200
    assert ApiToken.objects.filter(user=patient).count() == 2


@pytest.mark.django_db
def test_api_logout_ends_only_that_token():
    patient = PatientFactory()
    phone, tablet = log_in(patient), log_in(patient)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {phone}")
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert_refused(profile_with(phone))
    assert profile_with(tablet).status_code == 200


@pytest.mark.django_db
def test_password_change_on_the_page_ends_every_token(client_for):
    patient = PatientFactory()
    token = log_in(patient)
    response = client_for(patient).post(reverse("accounts:password-change"), {
        "old_password": PASSWORD, "new_password1": "Fresh-mango-2027", "new_password2": "Fresh-mango-2027"})
    assert response.status_code == 302
    assert_refused(profile_with(token))
    patient.refresh_from_db()
    assert patient.check_password("Fresh-mango-2027")


@pytest.mark.django_db
def test_password_reset_ends_every_token(client, django_capture_on_commit_callbacks):
    patient = PatientFactory()
    token = log_in(patient)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password-reset"), {"email": f"  {patient.email.upper()} "})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/" in line)
    form_page = client.get(urlsplit(link.strip()).path, follow=True)
    client.post(form_page.redirect_chain[-1][0],
                {"new_password1": "Brand-new-pass-5", "new_password2": "Brand-new-pass-5"})
    assert_refused(profile_with(token))


@pytest.mark.django_db
def test_suspending_a_staff_member_ends_their_tokens(client_for, hospital, hospital_admin, receptionist):
    token = log_in(receptionist)
    membership = Membership.objects.get(user=receptionist, hospital=hospital)
    client_for(hospital_admin).post(reverse("manage:staff-suspend", args=[hospital.slug, membership.pk]),
                                    {"reason": "Leave"})
    membership.refresh_from_db()
    assert membership.status == "suspended"
    assert_refused(profile_with(token))


@pytest.mark.django_db
def test_token_page_lists_the_owners_tokens_with_dates_and_use(client_for):
    patient, stranger = PatientFactory(), PatientFactory()
    with time_machine.travel(START, tick=False) as clock:
        token = log_in(patient, "Clinic kiosk 1.0")
        log_in(stranger, "Stranger's phone")
        clock.shift(timedelta(minutes=5))
        profile_with(token)
        page = client_for(patient).get(reverse("me:api-tokens"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Clinic kiosk 1.0" in html and "Stranger" not in html
    assert "Last used 0" in html and "Expires" in html and "Created" in html
    assert token not in html and token[:15] not in html
    assert reverse("me:api-tokens") in client_for(patient).get(reverse("me:profile")).content.decode()


@pytest.mark.django_db
def test_owner_revokes_one_token_then_all(client_for):
    patient = PatientFactory()
    first, second, third = log_in(patient), log_in(patient), log_in(patient)
    client = client_for(patient)
    digest = ApiToken.objects.get(user=patient, token_key=first[:15]).digest
    assert client.get(reverse("me:api-token-revoke")).status_code == 405
    response = client.post(reverse("me:api-token-revoke"), {"token": digest})
    assert response.status_code == 302
    assert_refused(profile_with(first))
    assert profile_with(second).status_code == 200
    client.post(reverse("me:api-tokens-revoke-all"))
    assert_refused(profile_with(second))
    assert_refused(profile_with(third))


@pytest.mark.django_db
def test_nobody_revokes_another_users_token(client_for):
    owner, other = PatientFactory(), PatientFactory()
    token = log_in(owner)
    digest = ApiToken.objects.get(user=owner).digest
    assert client_for(other).post(reverse("me:api-token-revoke"), {"token": digest}).status_code == 404
    client_for(other).post(reverse("me:api-tokens-revoke-all"))
    assert profile_with(token).status_code == 200


@pytest.mark.django_db
def test_token_page_needs_login(client):
    response = client.get(reverse("me:api-tokens"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_operator_setting_a_password_in_the_admin_ends_the_users_tokens(client):
    operator = UserFactory(is_staff=True, is_superuser=True)
    patient = PatientFactory()
    token = log_in(patient)
    client.force_login(operator)
    response = client.post(reverse("admin:auth_user_password_change",
                                   args=[patient.pk]),
                           {"usable_password": "true", "password1": "Operator-set-77", "password2": "Operator-set-77"})
    assert response.status_code == 302
    assert_refused(profile_with(token))
    assert client.get(reverse("admin:accounts_apitoken_changelist")).status_code == 200


@pytest.mark.django_db
def test_a_staff_api_call_with_a_token_writes_no_session(hospital, receptionist):
    from django.contrib.sessions.models import Session

    token = log_in(receptionist)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    before = Session.objects.count()
    for _ in range(3):
        assert client.get(f"/api/v1/manage/{hospital.slug}/appointments/").status_code == 200
    assert Session.objects.count() == before
