"""Platform-wide promises: every model in the Django admin, staff idle timeout, operator actions."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from hospitals.models import Hospital

OUR_APPS = {"accounts", "hospitals", "notifications", "healthstack", "appointments", "records", "labs",
            "pharmacy", "payments", "chat"}


def test_every_model_is_in_the_django_admin():
    missing = [
        f"{model._meta.app_label}.{model.__name__}"
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and model not in admin.site._registry
    ]
    assert missing == []


@pytest.mark.django_db
def test_staff_session_ends_after_idle_minutes(client, settings, hospital, hospital_admin):
    from accounts.tests.factories import PASSWORD

    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    client.post(reverse("accounts:login"), {"username": hospital_admin.email, "password": PASSWORD})
    dashboard = reverse("manage:dashboard", args=[hospital.slug])
    assert client.get(dashboard).status_code == 200

    session = client.session
    session["last_activity"] = time.time() - 31 * 60
    session.save()
    response = client.get(dashboard)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_idle_clock_starts_at_the_first_staff_page(client_for, settings, hospital, hospital_admin):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    client = client_for(hospital_admin)
    dashboard = reverse("manage:dashboard", args=[hospital.slug])
    with time_machine.travel("2026-03-02 09:00 +0600", tick=False) as clock:
        assert client.get(dashboard).status_code == 200  # one desk page, then the desk is left
        clock.shift(timedelta(minutes=31))
        response = client.get(dashboard)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_live_refreshes_are_not_activity(client, settings, hospital, hospital_admin):
    from accounts.tests.factories import PASSWORD

    client.post(reverse("accounts:login"), {"username": hospital_admin.email, "password": PASSWORD})
    dashboard = reverse("manage:dashboard", args=[hospital.slug])
    client.get(dashboard)
    session = client.session
    session["last_activity"] = time.time() - 20 * 60
    session.save()
    client.get(dashboard, headers={"X-Live-Refresh": "1"})
    session = client.session
    session["last_activity"] -= 11 * 60
    session.save()
    response = client.get(dashboard, headers={"X-Live-Refresh": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_patient_session_is_not_cut_by_the_staff_timeout(client, patient):
    from accounts.tests.factories import PASSWORD

    client.post(reverse("accounts:login"), {"username": patient.email, "password": PASSWORD})
    session = client.session
    session["last_activity"] = time.time() - 3 * 60 * 60
    session.save()
    assert client.get(reverse("me:home")).status_code == 200


@pytest.mark.django_db
def test_operator_approves_and_suspends_in_django_admin(client_for, hospital_admin, hospital, doctor_membership):
    from accounts.models import User

    operator = User.objects.create_superuser(email="operator@example.test", password="x", full_name="Operator")
    hospital.status = Hospital.Status.PENDING
    hospital.save()
    client = client_for(operator)
    changelist = reverse("admin:hospitals_hospital_changelist")
    client.post(changelist, {"action": "approve", "_selected_action": [hospital.pk]})
    hospital.refresh_from_db()
    assert hospital.status == "approved"
    assert client.get(reverse("hospitals:hospital-detail", args=[hospital.slug])).status_code == 200

    client.post(changelist, {"action": "suspend", "_selected_action": [hospital.pk]})
    hospital.refresh_from_db()
    assert hospital.status == "suspended"
    assert client.get(reverse("hospitals:hospital-detail", args=[hospital.slug])).status_code == 404
    hospital_admin.refresh_from_db()  # a new sign-in, after the suspension ended the old sessions
    assert client_for(hospital_admin).get(reverse("manage:dashboard", args=[hospital.slug])).status_code == 404


@pytest.mark.django_db
def test_admin_pages_render_for_every_model(client_for):
    from accounts.models import User

    operator = User.objects.create_superuser(email="op2@example.test", password="x", full_name="Operator")
    client = client_for(operator)
    for model in admin.site._registry:
        if model._meta.app_label not in OUR_APPS:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
