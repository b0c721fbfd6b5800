"""Every page has an icon, /favicon.ico included, and the operator's admin is branded."""

import pytest
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse

pytestmark = pytest.mark.django_db
ICON_LINK = '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">'


def test_favicon_ico_answers_with_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


def test_admin_api_docs_and_sandbox_checkout_name_the_icon(client):
    assert ICON_LINK in client.get(reverse("admin:login")).content.decode()
    assert ICON_LINK in client.get(reverse("api-docs")).content.decode()
    assert ICON_LINK in render_to_string("payments/sandbox/base.html")


def test_operator_admin_is_branded(client_for):
    operator = get_user_model().objects.create_superuser(email="op@example.test", password="x", full_name="Operator")
    page = client_for(operator).get(reverse("admin:index")).content.decode()
    assert "HealthStack operator" in page and "Django administration" not in page
    assert "Django site admin" not in page
