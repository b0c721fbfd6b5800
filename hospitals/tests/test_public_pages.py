import pytest
from django.urls import reverse

from hospitals.models import Hospital
from hospitals.tests.factories import DepartmentFactory, HospitalFactory, ListedHospitalFactory, MembershipFactory


@pytest.fixture
def directory(db):
    """Two listed hospitals in two cities and one hidden one, with doctors."""
    dhaka = HospitalFactory(name="Dhaka Heart Institute", slug="dhaka-heart", city="Dhaka")
    sylhet = HospitalFactory(name="Surma Valley Hospital", slug="surma", city="Sylhet")
    hidden = HospitalFactory(name="Hidden Clinic", slug="hidden", city="Dhaka", status=Hospital.Status.PENDING)
    cardio = DepartmentFactory(hospital=dhaka, name="Cardiology", slug="cardiology")
    skin = DepartmentFactory(hospital=sylhet, name="Dermatology", slug="dermatology")
    DepartmentFactory(hospital=hidden, name="Oncology", slug="oncology")
    heart_doc = MembershipFactory(hospital=dhaka, department=cardio, user__full_name="Rahim Uddin",
                                  user__doctor_profile__specialisation="Cardiology")
    MembershipFactory(hospital=sylhet, department=skin, user__full_name="Sumi Akter",
                      user__doctor_profile__specialisation="Dermatology")
    return {"dhaka": dhaka, "sylhet": sylhet, "hidden": hidden, "cardio": cardio, "heart_doc": heart_doc}


def names(response):
    return [h.name for h in response.context["page_obj"]]


@pytest.mark.django_db
@pytest.mark.parametrize("query,expected", [
    ({"q": "heart"}, ["Dhaka Heart Institute"]),
    ({"q": "sylhet"}, ["Surma Valley Hospital"]),
    ({"q": "dermatology"}, ["Surma Valley Hospital"]),
    ({"q": "cardio"}, ["Dhaka Heart Institute"]),
    ({"city": "Dhaka"}, ["Dhaka Heart Institute"]),
    ({"q": "oncology"}, []),
    ({}, ["Dhaka Heart Institute", "Surma Valley Hospital"]),
])
def test_hospital_search(client, directory, query, expected):
    response = client.get(reverse("hospitals:hospital-list"), query)
    assert names(response) == expected


@pytest.mark.django_db
def test_hospital_list_paginates(client, settings):
    settings.PAGE_SIZE = 5
    for n in range(12):
        ListedHospitalFactory(name=f"Hospital {n:02d}")
    first = client.get(reverse("hospitals:hospital-list"))
    assert len(first.context["page_obj"]) == 5
    last = client.get(reverse("hospitals:hospital-list"), {"page": 3})
    assert len(last.context["page_obj"]) == 2
    assert "Page 3 of 3" in last.content.decode()


@pytest.mark.django_db
def test_hidden_hospital_and_its_pages_are_404(client, directory):
    assert client.get(reverse("hospitals:hospital-detail", args=["hidden"])).status_code == 404
    assert client.get(reverse("hospitals:department-detail", args=["hidden", "oncology"])).status_code == 404
    assert client.get(reverse("hospitals:hospital-detail", args=["no-such"])).status_code == 404


@pytest.mark.django_db
def test_department_page_lists_approved_doctors_only(client, directory):
    MembershipFactory(hospital=directory["dhaka"], department=directory["cardio"], status="pending",
                      user__full_name="Pending Person")
    response = client.get(reverse("hospitals:department-detail", args=["dhaka-heart", "cardiology"]))
    page = response.content.decode()
    assert "Rahim Uddin" in page and "Pending Person" not in page


@pytest.mark.django_db
def test_doctor_search_and_profile_with_two_hospitals(client, directory):
    doctor = directory["heart_doc"].user
    MembershipFactory(hospital=directory["sylhet"], user=doctor,
                      department=DepartmentFactory(hospital=directory["sylhet"], name="Medicine", slug="medicine"),
                      consultation_fee="1200.00")
    found = client.get(reverse("hospitals:doctor-list"), {"q": "cardiology"})
    assert [d.user.full_name for d in found.context["page_obj"]] == ["Rahim Uddin"]
    by_city = client.get(reverse("hospitals:doctor-list"), {"city": "Sylhet"})
    assert {d.user.full_name for d in by_city.context["page_obj"]} == {"Rahim Uddin", "Sumi Akter"}

    profile = client.get(reverse("hospitals:doctor-detail", args=[doctor.doctor_profile.pk]))
    page = profile.content.decode()
    assert "Dhaka Heart Institute" in page and "Surma Valley Hospital" in page
    assert "BDT 1,200.00" in page and "BDT 500.00" in page


@pytest.mark.django_db
def test_doctor_without_listed_membership_is_404(client, directory):
    pending = MembershipFactory(hospital=directory["dhaka"], department=directory["cardio"], status="pending")
    url = reverse("hospitals:doctor-detail", args=[pending.user.doctor_profile.pk])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_home_page_search_box(client, directory):
    response = client.get("/")
    page = response.content.decode()
    assert 'name="q"' in page and "Dhaka Heart Institute" in page


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["hospitals:hospital-list", "hospitals:doctor-list"])
def test_list_query_count_is_flat(client, django_assert_max_num_queries, url_name):
    def grow(n):
        for _ in range(n):
            hospital = HospitalFactory()
            department = DepartmentFactory(hospital=hospital)
            MembershipFactory(hospital=hospital, department=department)

    grow(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse(url_name))
    grow(10)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse(url_name))
    assert len(large) == len(small)
    assert len(large) <= 15
