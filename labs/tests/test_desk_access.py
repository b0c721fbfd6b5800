"""Who may open each lab desk page, PDF and API endpoint, and the access-log row each staff read writes.

Lab workers and admins of the hospital open everything; doctors open a report of a patient in
their care (and nothing else of the desk); receptionists and pharmacists are refused (403);
patients, other hospitals' lab workers and doctors without care get a 404; visitors log in.
"""

from datetime import date

import pytest
from rest_framework.test import APIClient

from appointments.tests.factories import AppointmentFactory
from hospitals.tests.factories import DepartmentFactory, MembershipFactory
from records.models import AccessLog

pytestmark = pytest.mark.django_db

# page -> (path after /manage/<slug>/lab/, the access-log object types a staff read writes)
PAGES = {
    "home": ("", []),
    "tests": ("tests/", []),
    "test-new": ("tests/new/", []),
    "test": ("tests/{test}/", []),
    "analyte": ("tests/{test}/analytes/{analyte}/", []),
    "orders": ("orders/", []),
    "order": ("orders/{order}/", ["lab_order", "prescription"]),
    "label": ("orders/{order}/label/", ["lab_order"]),
    "amend": ("orders/{order}/amend/", ["lab_report"]),
    "order-report": ("orders/{order}/report/", ["lab_report"]),
    "report": ("reports/{report}/", ["lab_report"]),
    "report-pdf": ("reports/{report}/pdf/", ["lab_report"]),
}
DOCTOR_PAGES = {"report", "report-pdf"}
USERS = ["lab_worker", "admin", "doctor_in_care", "doctor_no_care", "receptionist", "pharmacist", "patient",
         "other_lab_worker", "anonymous"]


@pytest.fixture
def world(make_order, hospital, other_hospital, lab_worker, hospital_admin, receptionist, pharmacist,
          doctor_membership, female_patient, haemoglobin_test, haemoglobin):
    order = make_order("reported")
    AppointmentFactory(membership=doctor_membership, patient=female_patient, date=date(2026, 2, 1),
                       status="completed")
    stranger = MembershipFactory(hospital=hospital, role="doctor", department=DepartmentFactory(hospital=hospital))
    users = {
        "lab_worker": lab_worker, "admin": hospital_admin, "doctor_in_care": doctor_membership.user,
        "doctor_no_care": stranger.user, "receptionist": receptionist, "pharmacist": pharmacist,
        "patient": female_patient, "other_lab_worker": MembershipFactory(hospital=other_hospital,
                                                                         role="lab_worker").user,
        "anonymous": None,
    }
    ids = {"test": haemoglobin_test.pk, "analyte": haemoglobin.pk, "order": order.pk,
           "report": order.reports.get().pk}
    return users, ids


def expected(page: str, who: str) -> int:
    if who == "anonymous":
        return 302
    if who in ("lab_worker", "admin"):
        return 200
    if who in ("patient", "other_lab_worker"):
        return 404
    if page in DOCTOR_PAGES:
        return {"doctor_in_care": 200, "doctor_no_care": 404}.get(who, 403)
    return 403


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("page", PAGES)
def test_desk_page_access_and_its_log(page, who, world, client, client_for, hospital):
    users, ids = world
    path, logged = PAGES[page]
    before = AccessLog.objects.count()

    response = (client_for(users[who]) if users[who] else client).get(
        f"/manage/{hospital.slug}/lab/" + path.format(**ids))

    assert response.status_code == expected(page, who)
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]
    rows = list(AccessLog.objects.order_by("sequence")[before:])
    if response.status_code == 200:
        assert [row.object_type for row in rows] == logged
        assert all(row.accessor == users[who] and row.hospital == hospital for row in rows)
    else:
        assert rows == []


API = {
    "list": ("get", ""),
    "collect": ("post", "{order}/collect/"),
    "results": ("post", "{order}/results/"),
    "verify": ("post", "{order}/verify/"),
}


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("endpoint", API)
def test_desk_api_access(endpoint, who, world, hospital):
    users, ids = world
    method, path = API[endpoint]
    client = APIClient()
    if users[who]:
        client.force_authenticate(users[who])

    response = getattr(client, method)(f"/api/v1/manage/{hospital.slug}/lab/orders/" + path.format(**ids),
                                       {}, format="json")

    allowed = 200 if method == "get" else 400  # the reported order refuses every move, with a JSON error
    wanted = {"anonymous": (401, 403), "lab_worker": (allowed,), "admin": (allowed,),
              "patient": (404,), "other_lab_worker": (404,)}.get(who, (403,))
    assert response.status_code in wanted
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("who", ["doctor_no_care", "receptionist", "patient", "other_lab_worker"])
def test_acknowledge_refused_to_others(who, world, client_for, hospital):
    from labs.models import LabOrder

    users, ids = world
    LabOrder.objects.filter(pk=ids["order"]).update(has_critical=True)

    response = client_for(users[who]).post(f"/manage/{hospital.slug}/lab/reports/{ids['report']}/acknowledge/")

    assert response.status_code in (302, 403, 404)
    assert LabOrder.objects.get(pk=ids["order"]).critical_acknowledged_at is None
