"""Reads shared by pages and the API: the doctor search and the memberships a user can work in."""

import pytest

from hospitals.models import Hospital, Membership
from hospitals.selectors import search_doctors

from .factories import DepartmentFactory, HospitalFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctors():
    dhaka = HospitalFactory(name="Lakeside Clinic", city="Dhaka")
    sylhet = HospitalFactory(name="Tea Garden Hospital", city="Sylhet")
    return {
        "rahim": MembershipFactory(hospital=dhaka, department=DepartmentFactory(hospital=dhaka, name="Cardiology"),
                                   user__full_name="Rahim Uddin", user__doctor_profile__specialisation="Cardiology"),
        "selina": MembershipFactory(hospital=sylhet, department=DepartmentFactory(hospital=sylhet, name="Skin"),
                                    user__full_name="Selina Parvin"),
        "pending": MembershipFactory(hospital=sylhet, status=Membership.Status.PENDING, user__full_name="Rahim Pending"),
    }


@pytest.mark.parametrize("query, expected", [
    ("", ["Rahim Uddin", "Selina Parvin"]), ("rahim", ["Rahim Uddin"]), ("cardio", ["Rahim Uddin"]),
    ("skin", ["Selina Parvin"]), ("tea garden", ["Selina Parvin"]), ("sylhet", ["Selina Parvin"]), ("nobody", []),
])
def test_doctor_page_and_api_search_alike(query, expected, doctors, client):
    page = client.get("/doctors/", {"q": query}).context["page_obj"]
    api = client.get("/api/v1/doctors/", {"q": query}).json()["results"]
    assert [d.user.full_name for d in search_doctors(query)] == expected
    assert [d.user.full_name for d in page] == expected
    assert [d["full_name"] for d in api] == expected


def test_doctor_search_by_city(doctors):
    assert [d.user.full_name for d in search_doctors(city="sylhet")] == ["Selina Parvin"]


def test_active_memberships_are_approved_at_hospitals_not_suspended():
    waiting = HospitalFactory(status=Hospital.Status.PENDING)
    suspended = HospitalFactory(status=Hospital.Status.SUSPENDED)
    working = MembershipFactory(role="admin", hospital=waiting)
    MembershipFactory(role="admin", hospital=suspended, user=working.user)
    MembershipFactory(role="receptionist", status=Membership.Status.SUSPENDED, hospital=HospitalFactory(),
                      user=working.user)
    assert list(Membership.objects.active().filter(user=working.user)) == [working]
