"""Sign-up and password-reset emails are limited per address and per client, in fixed windows."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import PatientFactory
from accounts.tests.test_signup_privacy import API_SIGNUP, SIGNUP
from healthstack.models import OutgoingEmail

pytestmark = pytest.mark.django_db
START = "2026-03-02 09:00 +0600"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.ACCOUNT_EMAILS_PER_ADDRESS = 2
    settings.ACCOUNT_EMAILS_PER_CLIENT = 4
    settings.ACCOUNT_EMAILS_WINDOW_MINUTES = 60
    return settings


def sign_up(email, *, client_address="198.51.100.7", **headers):
    return Client().post(reverse("accounts:signup"), {**SIGNUP, "email": email},
                         REMOTE_ADDR=client_address, **headers)


def reset(email, *, client_address="198.51.100.7"):
    return Client().post(reverse("accounts:password-reset"), {"email": email}, REMOTE_ADDR=client_address)


def test_signups_for_one_address_are_limited_until_the_window_ends():
    with time_machine.travel(START, tick=False) as clock:
        answers = [sign_up("ayesha@example.test", client_address=f"198.51.100.{n}").status_code for n in range(3)]
        assert answers == [302, 302, 429]
        limited = sign_up("ayesha@example.test", client_address="198.51.100.9")
        assert "Too many emails" in limited.content.decode() and "is-invalid" not in limited.content.decode()
        assert OutgoingEmail.objects.count() == 2
        clock.shift(timedelta(minutes=61))
        assert sign_up("ayesha@example.test").status_code == 302
    assert OutgoingEmail.objects.count() == 3


def test_signups_from_one_client_are_limited():
    with time_machine.travel(START, tick=False):
        answers = [sign_up(f"person{n}@example.test").status_code for n in range(5)]
        assert answers == [302, 302, 302, 302, 429]
        assert sign_up("person9@example.test", client_address="203.0.113.5").status_code == 302


def test_behind_a_trusted_proxy_clients_are_counted_apart(limits):
    limits.TRUSTED_PROXY_COUNT = 1
    with time_machine.travel(START, tick=False):
        for n in range(4):
            assert sign_up(f"person{n}@example.test", client_address="10.0.0.1",
                           HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302
        assert sign_up("late@example.test", client_address="10.0.0.1",
                       HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
        assert sign_up("other@example.test", client_address="10.0.0.1",
                       HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 302


def test_api_signups_share_the_limits():
    with time_machine.travel(START, tick=False):
        sign_up("rina@example.test")
        api = APIClient(REMOTE_ADDR="198.51.100.7")
        assert api.post("/api/v1/auth/register/", API_SIGNUP, format="json").status_code == 202
        limited = api.post("/api/v1/auth/register/", API_SIGNUP, format="json")
    assert limited.status_code == 429
    assert "Too many emails" in limited.json()["detail"]


def test_password_reset_limits_look_the_same_for_a_known_and_an_unknown_address():
    PatientFactory(email="known@example.test")
    with time_machine.travel(START, tick=False) as clock:
        for email in ("known@example.test", "nobody@example.test"):
            assert [reset(email, client_address=f"198.51.100.{n}").status_code for n in range(2)] == [302, 302]
        known, unknown = reset("known@example.test"), reset("nobody@example.test")
        assert known.status_code == unknown.status_code == 429
        assert known.context["form"].errors == unknown.context["form"].errors
        assert "Too many emails" in known.content.decode()
        assert OutgoingEmail.objects.count() == 2
        clock.shift(timedelta(minutes=61))
        assert reset("known@example.test").status_code == 302
    assert OutgoingEmail.objects.count() == 3


def test_password_resets_from_one_client_are_limited():
    with time_machine.travel(START, tick=False):
        assert [reset(f"person{n}@example.test").status_code for n in range(5)] == [302, 302, 302, 302, 429]
        assert reset("person9@example.test", client_address="203.0.113.5").status_code == 302
