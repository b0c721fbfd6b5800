"""The login lockout counts one person, however their email is typed."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.backends import normalize_email_identity
from accounts.tests.factories import PASSWORD, PatientFactory

SPELLINGS = ["a@example.test", "A@Example.Test", " a@example.test", "a@EXAMPLE.test ", "\ta@example.TEST"]


def test_normalize_email_identity_strips_and_folds_case():
    assert {normalize_email_identity(s) for s in SPELLINGS} == {"a@example.test"}
    assert normalize_email_identity(None) == ""


def page_login(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def api_login(client, email, password):
    return client.post("/api/v1/auth/login/", {"email": email, "password": password}, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize("login,make_client", [(page_login, None), (api_login, APIClient)],
                         ids=["page", "api"])
def test_lockout_after_failures_with_mixed_spellings_locks_every_spelling(client, login, make_client):
    PatientFactory(email="a@example.test")
    client = make_client() if make_client else client
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, SPELLINGS[attempt % len(SPELLINGS)], "wrong-guess")
    for spelling in SPELLINGS:
        locked = login(client, spelling, PASSWORD)
        assert locked.status_code == 429, spelling
        assert "Too many failed" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("login,make_client", [(page_login, None), (api_login, APIClient)],
                         ids=["page", "api"])
def test_lockout_by_one_spelling_refuses_the_right_password_under_another(client, login, make_client):
    PatientFactory(email="a@example.test")
    client = make_client() if make_client else client
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "a@example.test", "wrong-guess")
    assert login(client, "A@Example.Test", PASSWORD).status_code == 429
    assert login(client, " a@example.test", PASSWORD).status_code == 429


def fail_then_try(client, *, attacker: dict, victim: dict):
    """Fail the limit from ``attacker``'s headers, then return the right password's answer from both."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "a@example.test", "password": "wrong-guess"}, **attacker)
    good = {"username": "a@example.test", "password": PASSWORD}
    return (client.post(reverse("accounts:login"), good, **attacker).status_code,
            Client().post(reverse("accounts:login"), good, **victim).status_code)


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forged_forwarded_for_locks_only_the_sender(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    PatientFactory(email="a@example.test")
    # The attacker claims to be forwarded for the victim's address: the claim is not believed.
    attacker = {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "198.51.100.8"}
    victim = {"REMOTE_ADDR": "198.51.100.8"}
    assert fail_then_try(client, attacker=attacker, victim=victim) == (429, 302)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


@pytest.mark.django_db
def test_behind_a_trusted_proxy_one_client_cannot_lock_the_account_for_everyone(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    PatientFactory(email="a@example.test")
    proxy = "10.0.0.1"  # every request arrives from the proxy; it appends the address it saw
    attacker = {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": "192.0.2.66, 198.51.100.7"}
    victim = {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.8"}
    assert fail_then_try(client, attacker=attacker, victim=victim) == (429, 302)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
