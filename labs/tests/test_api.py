"""The patient's lab API: catalogue, orders (create, read, cancel) and reports, with JSON errors naming the field."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.tests.factories import PatientFactory
from labs.models import LabOrder

from .factories import AnalyteFactory, LabTestFactory

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_catalogue_lists_tests_with_analytes_and_searches(hospital, haemoglobin_test, glucose_test):
    body = api().get(f"/api/v1/hospitals/{hospital.slug}/lab-tests/", {"q": "hb"}).json()
    assert [test["code"] for test in body["results"]] == ["HB"]
    test = body["results"][0]
    assert test["price"] == "300.00" and test["turnaround_hours"] == 6 and test["requires_prescription"] is False
    assert test["section"] == "haematology" and test["sample_type"] == "Venous blood (EDTA)"
    assert [a["name"] for a in test["analytes"]] == ["Haemoglobin"] and test["analytes"][0]["unit"] == "g/dL"
    assert api().get("/api/v1/hospitals/nowhere/lab-tests/").status_code == 404


def test_catalogue_queries_stay_flat(hospital):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api().get(f"/api/v1/hospitals/{hospital.slug}/lab-tests/").status_code == 200
        return len(queries)

    AnalyteFactory(lab_test=LabTestFactory(hospital=hospital))
    few = count()
    for _ in range(15):
        AnalyteFactory(lab_test=LabTestFactory(hospital=hospital))
    assert count() == few <= 15


def test_post_creates_an_order_awaiting_payment(female_patient, hospital, haemoglobin_test, glucose_test):
    response = api(female_patient).post("/api/v1/me/lab-orders/", {
        "hospital": hospital.slug, "tests": [haemoglobin_test.pk, glucose_test.pk]}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "awaiting_payment" and body["amount"] == "500.00"
    assert [t["code"] for t in body["tests"]] == ["HB", "FBS"]
    assert body["pay_url"] == f"/payments/lab_order/{body['id']}/start/"
    listed = api(female_patient).get("/api/v1/me/lab-orders/").json()
    assert [order["id"] for order in listed["results"]] == [body["id"]]


@pytest.mark.parametrize("case", ["unknown_hospital", "other_hospitals_test", "no_tests", "not_a_list", "bad_ids",
                                  "prescription_only", "someone_elses_prescription", "withdrawn"])
def test_post_bad_input_is_a_400_naming_the_field_and_writes_nothing(case, female_patient, hospital, other_hospital,
                                                                     haemoglobin_test, glucose_test,
                                                                     issued_prescription):
    body = {"hospital": hospital.slug, "tests": [haemoglobin_test.pk]}
    field = "tests"
    if case == "unknown_hospital":
        body["hospital"], field = "nowhere", "hospital"
    elif case == "other_hospitals_test":
        body["tests"] = [LabTestFactory(hospital=other_hospital).pk]
    elif case == "no_tests":
        body["tests"] = []
    elif case == "not_a_list":
        body["tests"] = "HB"
    elif case == "bad_ids":
        body["tests"] = [0, "x"]
    elif case == "prescription_only":
        haemoglobin_test.requires_prescription = True
        haemoglobin_test.save()
    elif case == "someone_elses_prescription":
        haemoglobin_test.requires_prescription = True
        haemoglobin_test.save()
        body["prescription"] = issued_prescription([haemoglobin_test], patient=PatientFactory()).pk
        field = "prescription"
    elif case == "withdrawn":
        haemoglobin_test.active = False
        haemoglobin_test.save()
    response = api(female_patient).post("/api/v1/me/lab-orders/", body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    messages = response.json()[field]  # {field: [messages]}, flat: never {field: {position: [...]}}
    assert isinstance(messages, list) and all(isinstance(message, str) for message in messages)
    assert not LabOrder.objects.filter(patient=female_patient).exists()


def test_a_prescription_only_test_with_the_patients_own_prescription_is_ordered(female_patient, hospital,
                                                                                haemoglobin_test,
                                                                                issued_prescription):
    haemoglobin_test.requires_prescription = True
    haemoglobin_test.save()
    mine = issued_prescription([haemoglobin_test])
    response = api(female_patient).post("/api/v1/me/lab-orders/", {
        "hospital": hospital.slug, "tests": [haemoglobin_test.pk], "prescription": mine.pk}, format="json")
    assert response.status_code == 201 and response.json()["prescription"] == mine.pk


def test_order_detail_and_cancel_are_the_patients_own(female_patient, make_order):
    order = make_order("paid")
    stranger = api(PatientFactory())
    assert stranger.get(f"/api/v1/me/lab-orders/{order.pk}/").status_code == 404
    assert stranger.post(f"/api/v1/me/lab-orders/{order.pk}/cancel/", {}, format="json").status_code == 404
    assert api().get(f"/api/v1/me/lab-orders/{order.pk}/").status_code in (401, 403)
    mine = api(female_patient)
    assert mine.get(f"/api/v1/me/lab-orders/{order.pk}/").json()["status"] == "paid"
    cancelled = mine.post(f"/api/v1/me/lab-orders/{order.pk}/cancel/", {"reason": "Travelling"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_cancel_after_collection_is_a_400(female_patient, make_order):
    order = make_order("sample_collected")
    response = api(female_patient).post(f"/api/v1/me/lab-orders/{order.pk}/cancel/", {}, format="json")
    assert response.status_code == 400 and "non_field_errors" in response.json()
    assert LabOrder.objects.get(pk=order.pk).status == "sample_collected"


def test_reports_carry_results_flags_ranges_and_links(female_patient, make_order, haemoglobin, haemoglobin_test):
    order = make_order("reported", tests=[haemoglobin_test], values={haemoglobin: "16.2"})
    report = order.reports.get()
    body = api(female_patient).get("/api/v1/me/lab-reports/").json()
    [item] = body["results"]
    assert item["id"] == report.pk and item["pdf_url"] == f"/me/lab-reports/{report.pk}/pdf/"
    assert item["verify_url"] == f"/verify/{report.document_code.code}/"
    [result] = item["results"]
    assert result["value"] == "16.2" and result["flag"] == "H" and result["reference_range"] == "12–15.5"
    assert Decimal(result["ref_low"]) == Decimal("12")
    assert api(PatientFactory()).get("/api/v1/me/lab-reports/").json()["results"] == []


def test_reports_queries_stay_flat_with_more_reports(female_patient, make_order):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api(female_patient).get("/api/v1/me/lab-reports/").status_code == 200
        return len(queries)

    make_order("reported")
    few = count()
    for _ in range(4):
        make_order("reported")
    assert count() == few <= 15
