"""The lab desk's JSON API: the queue, collect, results and verify, with JSON errors naming the field."""

import pytest
from rest_framework.test import APIClient

from labs.models import LabOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(lab_worker):
    client = APIClient()
    client.force_authenticate(lab_worker)
    return client


def base(hospital):
    return f"/api/v1/manage/{hospital.slug}/lab/orders/"


def test_queue_lists_orders_by_status(api, hospital, make_order):
    paid = make_order("paid")
    make_order("sample_collected")

    everything = api.get(base(hospital)).json()
    filtered = api.get(base(hospital), {"status": "paid"}).json()

    assert everything["count"] == 2
    assert [o["id"] for o in filtered["results"]] == [paid.pk]
    assert filtered["results"][0]["tests"][0]["code"] in ("HB", "FBS")
    assert api.get(base(hospital), {"status": "bogus"}).json() == {"status": ["Choose a status of the list."]}


def test_collect_enter_verify(api, hospital, make_order, haemoglobin, glucose_test):
    order = make_order("paid")
    glucose, urine = glucose_test.analytes.get(name="Fasting glucose"), glucose_test.analytes.get(name="Urine glucose")

    collected = api.post(f"{base(hospital)}{order.pk}/collect/")
    entered = api.post(f"{base(hospital)}{order.pk}/results/",
                       {str(haemoglobin.pk): "11.0", str(glucose.pk): 5, str(urine.pk): "Nil"}, format="json")
    verified = api.post(f"{base(hospital)}{order.pk}/verify/")

    assert collected.status_code == 200 and collected.json()["accession"].startswith("GL-26-")
    assert entered.status_code == 200 and entered.json()["status"] == "in_progress"
    assert verified.status_code == 200
    flags = {r["analyte"]: r["flag"] for r in verified.json()["results"]}
    assert flags == {"Haemoglobin": "L", "Fasting glucose": "", "Urine glucose": ""}


@pytest.mark.parametrize("value, message", [
    ("abc", "Haemoglobin must be a number."),
    ("-1", "Haemoglobin cannot be negative."),
    ("1000000000", "1000000000 is not a plausible Haemoglobin (at most 1000000)."),
    (["13"], "Give the result as text or a number."),
])
def test_bad_results_are_json_errors_by_analyte(api, hospital, make_order, haemoglobin, value, message):
    order = make_order("sample_collected")

    response = api.post(f"{base(hospital)}{order.pk}/results/", {str(haemoglobin.pk): value}, format="json")

    assert response.status_code == 400 and response.json() == {str(haemoglobin.pk): [message]}
    assert not order.results.exists()


def test_analyte_not_in_the_order_is_a_json_error(api, hospital, make_order, haemoglobin_test, glucose_test):
    order = make_order("sample_collected", tests=[haemoglobin_test])
    glucose = glucose_test.analytes.get(name="Fasting glucose")

    response = api.post(f"{base(hospital)}{order.pk}/results/", {str(glucose.pk): "5"}, format="json")

    assert response.status_code == 400
    assert response.json() == {str(glucose.pk): ["This is not an analyte of this order's tests."]}


def test_collect_unpaid_verify_missing_and_edit_reported_are_json_errors(api, hospital, make_order, haemoglobin):
    unpaid = make_order("awaiting_payment")
    started = make_order("sample_collected")
    api.post(f"{base(hospital)}{started.pk}/results/", {str(haemoglobin.pk): "13"}, format="json")
    reported = make_order("reported")

    collect = api.post(f"{base(hospital)}{unpaid.pk}/collect/")
    verify = api.post(f"{base(hospital)}{started.pk}/verify/")
    edit = api.post(f"{base(hospital)}{reported.pk}/results/", {str(haemoglobin.pk): "9"}, format="json")

    assert collect.status_code == 400 and "non_field_errors" in collect.json()
    assert verify.status_code == 400 and any("No result for Fasting glucose" in m[0] for m in verify.json().values())
    assert edit.status_code == 400 and "never changes" in edit.json()["results"][0]


def test_body_that_is_not_an_object_is_a_json_error(api, hospital, make_order):
    order = make_order("sample_collected")

    response = api.post(f"{base(hospital)}{order.pk}/results/", "[1, 2]", content_type="application/json")

    assert response.status_code == 400 and "detail" in response.json()


def test_another_hospitals_order_is_404(api, hospital, other_hospital, make_order):
    order = make_order("paid")
    LabOrder.objects.filter(pk=order.pk).update(hospital=other_hospital)

    response = api.post(f"{base(hospital)}{order.pk}/collect/")

    assert response.status_code == 404 and response["Content-Type"] == "application/json"


@pytest.mark.parametrize("role, expected", [
    ("lab_worker", 200), ("admin", 200), ("doctor", 403), ("receptionist", 403), ("pharmacist", 403),
])
def test_queue_roles(role, expected, hospital, make_order):
    from hospitals.tests.factories import MembershipFactory

    make_order("paid")
    client = APIClient()
    client.force_authenticate(MembershipFactory(hospital=hospital, role=role).user)

    assert client.get(base(hospital)).status_code == expected


def test_the_endpoints_are_in_the_schema():
    paths = APIClient().get("/api/schema/?format=json").json()["paths"]

    assert "/api/v1/manage/{hospital_slug}/lab/orders/" in paths
    for action in ("collect", "results", "verify"):
        assert f"/api/v1/manage/{{hospital_slug}}/lab/orders/{{id}}/{action}/" in paths
