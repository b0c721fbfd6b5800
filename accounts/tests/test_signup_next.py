"""Signing up on the way somewhere (``next``) lands on that page, if it is on this site."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.test_accounts import SIGNUP

pytestmark = pytest.mark.django_db
REGISTER = "/hospitals/register/"
DOCTOR = {**SIGNUP, "email": "dr.rahim@example.test", "specialisation": "Cardiology", "qualifications": "MBBS",
          "registration_number": "BMDC-A-100", "years_of_practice": 12, "bio": ""}


def test_login_page_passes_next_on_to_create_an_account(client):
    page = client.get(reverse("accounts:login"), {"next": REGISTER}).content.decode()
    assert f'href="{reverse("accounts:signup")}?next=/hospitals/register/"' in page


@pytest.mark.parametrize("view, data", [("accounts:signup", SIGNUP), ("accounts:signup-doctor", DOCTOR)])
def test_signup_carries_next_and_lands_there(client, view, data, django_capture_on_commit_callbacks):
    assert REGISTER == reverse("hospitals:hospital-register")
    form = client.get(reverse(view), {"next": REGISTER}).content.decode()
    assert '<input type="hidden" name="next" value="/hospitals/register/">' in form

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(view), {**data, "next": REGISTER})
    assert response["Location"] == reverse("accounts:signup-sent")

    link = _confirmation_path(data["email"])
    assert link.endswith("?next=%2Fhospitals%2Fregister%2F")
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == REGISTER
    assert client.get(REGISTER).status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_signup_ignores_a_next_on_another_site(client, target, django_capture_on_commit_callbacks):
    form = client.get(reverse("accounts:signup"), {"next": target}).content.decode()
    assert "evil.example" not in form and "javascript:" not in form

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{reverse('accounts:signup')}?next={target}", {**SIGNUP, "next": target})
    link = _confirmation_path(SIGNUP["email"])
    assert "evil" not in link and "javascript" not in link

    # A next added to the link by hand is checked again when the link is used.
    response = client.post(f"{link.split('?')[0]}?next={target}")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def _confirmation_path(address: str) -> str:
    message = next(m for m in mail.outbox if m.to == [address.lower()])
    return re.search(r"https?://[^/\s]+(/accounts/signup/confirm/\S+)", message.body).group(1)
