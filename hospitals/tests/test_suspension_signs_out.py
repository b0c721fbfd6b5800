"""Suspending a hospital or a staff member ends that staff's web sessions and API tokens at once."""

import pytest
from django.urls import reverse

from accounts.tests.factories import PatientFactory, UserFactory
from accounts.tests.test_api_tokens import assert_refused, log_in, profile_with
from hospitals.models import Membership
from hospitals.services import suspend_hospital
from hospitals.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def signed_out(client) -> bool:
    response = client.get(reverse("me:home"))
    return response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_suspending_a_hospital_ends_its_staffs_sessions_and_tokens(client_for, hospital, other_hospital,
                                                                     receptionist, doctor):
    operator = UserFactory(is_staff=True, is_superuser=True)
    patient = PatientFactory()
    outsider = MembershipFactory(hospital=other_hospital, role="receptionist").user
    staff_tokens = [log_in(receptionist), log_in(doctor)]
    patient_token, outsider_token = log_in(patient), log_in(outsider)
    desk, doctor_browser = client_for(receptionist), client_for(doctor)
    patient_browser, outsider_browser = client_for(patient), client_for(outsider)

    suspend_hospital(hospital=hospital, by=operator)

    for token in staff_tokens:
        assert_refused(profile_with(token))
    assert signed_out(desk) and signed_out(doctor_browser)
    assert profile_with(patient_token).status_code == 200
    assert profile_with(outsider_token).status_code == 200
    assert not signed_out(patient_browser) and not signed_out(outsider_browser)


def test_suspending_a_staff_member_ends_their_sessions_and_tokens(client_for, hospital, hospital_admin,
                                                                  receptionist, lab_worker):
    token, colleague_token = log_in(receptionist), log_in(lab_worker)
    desk, colleague = client_for(receptionist), client_for(lab_worker)
    admin = client_for(hospital_admin)
    membership = Membership.objects.get(user=receptionist, hospital=hospital)

    admin.post(reverse("manage:staff-suspend", args=[hospital.slug, membership.pk]), {"reason": "Leave"})

    assert_refused(profile_with(token))
    assert signed_out(desk)
    assert desk.get(reverse("manage:dashboard", args=[hospital.slug]))["Location"].startswith(
        reverse("accounts:login"))
    assert profile_with(colleague_token).status_code == 200
    assert not signed_out(colleague) and not signed_out(admin)


def test_a_new_log_in_after_a_restore_works(client, client_for, hospital, hospital_admin, receptionist):
    from accounts.tests.factories import PASSWORD

    membership = Membership.objects.get(user=receptionist, hospital=hospital)
    admin = client_for(hospital_admin)
    admin.post(reverse("manage:staff-suspend", args=[hospital.slug, membership.pk]), {"reason": "Leave"})
    admin.post(reverse("manage:staff-restore", args=[hospital.slug, membership.pk]))
    client.post(reverse("accounts:login"), {"username": receptionist.email, "password": PASSWORD})
    page = client.get(reverse("manage:dashboard", args=[hospital.slug]), follow=True)
    assert page.status_code == 200 and page.redirect_chain[-1][0].startswith(f"/manage/{hospital.slug}/")
    assert profile_with(log_in(receptionist)).status_code == 200
