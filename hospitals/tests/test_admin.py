"""The operator's Django admin for hospitals: approving says what it did and what still keeps a hospital off the
public pages, and the hospital list shows each hospital's public listing."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hospitals.models import Hospital, Membership
from hospitals.tests.factories import DepartmentFactory, HospitalFactory, MembershipFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:hospitals_hospital_changelist"


@pytest.fixture
def operator(client_for):
    from accounts.models import User

    return client_for(User.objects.create_superuser(email="operator@example.test", password="x",
                                                    full_name="Operator"))


def test_approve_says_for_each_hospital_what_still_keeps_it_off_the_public_pages(operator):
    bare = HospitalFactory(name="Bare Clinic", status=Hospital.Status.PENDING)
    waiting = HospitalFactory(name="Waiting Clinic", status=Hospital.Status.PENDING)
    MembershipFactory(hospital=waiting, status=Membership.Status.PENDING)
    ready = HospitalFactory(name="Ready Clinic", status=Hospital.Status.PENDING)
    MembershipFactory(hospital=ready)

    response = operator.post(reverse(CHANGELIST), {"action": "approve",
                                                   "_selected_action": [bare.pk, waiting.pk, ready.pk]})

    assert sorted(str(message) for message in get_messages(response.wsgi_request)) == [
        "Bare Clinic is approved but not listed publicly yet: it has no active department.",
        "Ready Clinic is approved and listed publicly.",
        "Waiting Clinic is approved but not listed publicly yet: it has no approved doctor in an active department.",
    ]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured.captured_queries)


def test_hospital_list_shows_why_each_hospital_is_not_listed(operator):
    HospitalFactory(name="Bare Clinic")
    DepartmentFactory(hospital=HospitalFactory(name="Empty Department Clinic"))
    MembershipFactory(hospital=HospitalFactory(name="Ready Clinic"))
    HospitalFactory(name="Pending Clinic", status=Hospital.Status.PENDING)

    page = operator.get(reverse(CHANGELIST)).content.decode()
    rows = {name: page.split(f">{name}<", 1)[1].split("</tr>", 1)[0]
            for name in ["Bare Clinic", "Empty Department Clinic", "Ready Clinic", "Pending Clinic"]}

    assert "Public listing" in page
    assert "No active department" in rows["Bare Clinic"]
    assert "No approved doctor in an active department" in rows["Empty Department Clinic"]
    assert "No active department" not in rows["Empty Department Clinic"]
    assert "Listed" in rows["Ready Clinic"] and "No " not in rows["Ready Clinic"]
    assert "Awaiting approval" in rows["Pending Clinic"]


def test_hospital_list_reads_the_listing_without_a_query_per_hospital(operator):
    MembershipFactory(hospital=HospitalFactory())
    few = _queries(operator, reverse(CHANGELIST))
    for _more in range(10):
        DepartmentFactory(hospital=HospitalFactory())

    assert _queries(operator, reverse(CHANGELIST)) == few
