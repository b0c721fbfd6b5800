"""Patients see a hospital once it is approved and has an approved doctor in an active department."""

import pytest
from django.urls import reverse

from hospitals.models import Hospital, Membership
from hospitals.tests.factories import DepartmentFactory, HospitalFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def seen_by_patients(client, hospital) -> dict[str, bool]:
    return {
        "search": hospital.name in client.get(reverse("hospitals:hospital-list")).content.decode(),
        "home": hospital.name in client.get(reverse("home")).content.decode(),
        "detail": client.get(reverse("hospitals:hospital-detail", args=[hospital.slug])).status_code == 200,
        "api": hospital.slug in client.get("/api/v1/hospitals/").content.decode(),
    }


def test_approved_hospital_is_listed_only_with_an_approved_doctor_in_an_active_department(client):
    hospital = HospitalFactory(name="Padma Hope Hospital", slug="padma-hope")
    hidden = {"search": False, "home": False, "detail": False, "api": False}
    assert seen_by_patients(client, hospital) == hidden

    cardiology = DepartmentFactory(hospital=hospital, name="Cardiology")
    assert seen_by_patients(client, hospital) == hidden
    doctor = MembershipFactory(hospital=hospital, department=cardiology, status=Membership.Status.PENDING)
    assert seen_by_patients(client, hospital) == hidden

    Membership.objects.filter(pk=doctor.pk).update(status=Membership.Status.APPROVED)
    assert seen_by_patients(client, hospital) == {"search": True, "home": True, "detail": True, "api": True}

    cardiology.is_active = False
    cardiology.save()
    assert seen_by_patients(client, hospital) == hidden


def test_doctors_can_still_apply_to_an_approved_hospital_with_no_doctors(client_for):
    hospital = HospitalFactory(name="Padma Hope Hospital", slug="padma-hope")
    DepartmentFactory(hospital=hospital, name="Cardiology")
    applicant = MembershipFactory(hospital=HospitalFactory()).user
    client = client_for(applicant)
    assert "Padma Hope Hospital" in client.get(reverse("hospitals:applications")).content.decode()
    assert client.get(reverse("hospitals:apply", args=[hospital.slug])).status_code == 200


@pytest.mark.parametrize("status, setup, expected, absent", [
    (Hospital.Status.PENDING, "", ["Awaiting the HealthStack team", "Add a department", "Approve a doctor"], []),
    (Hospital.Status.APPROVED, "department", ["Approve a doctor"], ["Add a department", "Awaiting"]),
    (Hospital.Status.APPROVED, "pending_doctor", ["Approve a doctor"], ["Add a department", "Awaiting"]),
])
def test_admin_dashboard_says_why_the_hospital_is_not_visible(client_for, status, setup, expected, absent):
    hospital = HospitalFactory(status=status)
    admin = MembershipFactory(hospital=hospital, role="admin").user
    if setup:
        department = DepartmentFactory(hospital=hospital)
    if setup == "pending_doctor":
        MembershipFactory(hospital=hospital, department=department, status=Membership.Status.PENDING)
    page = client_for(admin).get(reverse("manage:dashboard", args=[hospital.slug])).content.decode()
    assert "Not yet visible to patients" in page
    for text in expected:
        assert text in page
    for text in absent:
        assert text not in page


def test_admin_dashboard_of_a_listed_hospital_has_no_warning(client_for):
    hospital = HospitalFactory()
    MembershipFactory(hospital=hospital)
    admin = MembershipFactory(hospital=hospital, role="admin").user
    page = client_for(admin).get(reverse("manage:dashboard", args=[hospital.slug])).content.decode()
    assert "Not yet visible to patients" not in page
