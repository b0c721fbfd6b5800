"""The pharmacist's JSON API: the desk's services behind the tenancy guard, errors naming their field."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from hospitals.tests.factories import MembershipFactory
from pharmacy import services
from pharmacy.models import MedicineOrder, StockBatch
from pharmacy.selectors import assert_ledger_balanced
from pharmacy.tests.conftest import TODAY, moves
from pharmacy.tests.factories import MedicineFactory

pytestmark = pytest.mark.django_db
Status = MedicineOrder.Status
BASE = "/api/v1/manage/{slug}/pharmacy/"


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def desk_api(pharmacist):
    return api(pharmacist)


def endpoints(hospital, medicine, order):
    base = BASE.format(slug=hospital.slug)
    return [("get", base + "medicines/"), ("post", base + "medicines/"),
            ("post", f"{base}medicines/{medicine.pk}/batches/"), ("get", base + "orders/"),
            ("post", f"{base}orders/{order.pk}/ready/"), ("post", f"{base}orders/{order.pk}/collected/")]


def test_api_access_matrix(hospital, other_hospital, medicine, receive, paid_order, patient, pharmacist,
                           hospital_admin, doctor, receptionist, lab_worker):
    receive(medicine, 10)
    order = paid_order(medicine, 2)
    elsewhere = MembershipFactory(hospital=other_hospital, role="pharmacist").user
    for method, path in endpoints(hospital, medicine, order):
        anonymous = getattr(api(), method)(path, {}, format="json")
        assert anonymous.status_code in (401, 403) and "detail" in anonymous.json(), path
        for user in (doctor, receptionist, lab_worker):
            assert getattr(api(user), method)(path, {}, format="json").status_code == 403, (path, user)
        for user in (patient, elsewhere):
            answer = getattr(api(user), method)(path, {}, format="json")
            assert answer.status_code == 404 and answer["Content-Type"] == "application/json", (path, user)
        for user in (pharmacist, hospital_admin):
            assert getattr(api(user), method)(path, {}, format="json").status_code in (200, 400), (path, user)
    order.refresh_from_db()
    assert order.status == Status.COLLECTED  # ready (all filled, the default), then collected by the admin
    assert_ledger_balanced()


def test_list_medicines_with_their_stock_and_search(desk_api, hospital, medicine, receive, other_hospital):
    receive(medicine, 30)
    MedicineFactory(hospital=hospital, generic_name="Omeprazole", brand_name="Seclo")
    MedicineFactory(hospital=other_hospital, generic_name="Paracetamol")
    body = desk_api.get(BASE.format(slug=hospital.slug) + "medicines/").json()
    assert body["count"] == 2
    napa = next(row for row in body["results"] if row["brand_name"] == "Napa")
    assert (napa["units_available"], napa["availability"], napa["unit_price"]) == (30, "in_stock", "12.00")
    found = desk_api.get(BASE.format(slug=hospital.slug) + "medicines/", {"q": "secl"}).json()["results"]
    assert [row["generic_name"] for row in found] == ["Omeprazole"]


MEDICINE = {"generic_name": "Metformin", "brand_name": "Comet", "strength": "500 mg", "dosage_form": "tablet",
            "unit": "tablet", "unit_price": "5.00", "prescription_only": False, "reorder_level": 30, "active": True}


def test_create_a_medicine(desk_api, hospital):
    response = desk_api.post(BASE.format(slug=hospital.slug) + "medicines/", MEDICINE, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["units_available"] == 0
    assert hospital.medicines.get().brand_name == "Comet"


@pytest.mark.parametrize("change, field", [
    ({"generic_name": ""}, "generic_name"), ({"unit_price": "-1"}, "unit_price"), ({"unit_price": "abc"}, "unit_price"),
    ({"dosage_form": "potion"}, "dosage_form"), ({"reorder_level": 1.5}, "reorder_level"),
    ({"active": "perhaps"}, "active"), ({"generic_name": ["x"]}, "generic_name"),
])
def test_bad_medicine_input_is_a_field_error(desk_api, hospital, change, field):
    response = desk_api.post(BASE.format(slug=hospital.slug) + "medicines/", {**MEDICINE, **change}, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not hospital.medicines.exists()


def test_a_twin_medicine_is_a_field_error(desk_api, hospital):
    desk_api.post(BASE.format(slug=hospital.slug) + "medicines/", MEDICINE, format="json")
    response = desk_api.post(BASE.format(slug=hospital.slug) + "medicines/", MEDICINE, format="json")
    assert response.status_code == 400 and "already in the catalogue" in response.json()["generic_name"][0]


def test_receive_a_batch(desk_api, hospital, medicine):
    response = desk_api.post(f"{BASE.format(slug=hospital.slug)}medicines/{medicine.pk}/batches/", {
        "batch_number": "NP-77", "expiry_date": (TODAY + timedelta(days=200)).isoformat(), "quantity": 100,
        "cost": "0.75"}, format="json")
    assert response.status_code == 201, response.content
    batch = StockBatch.objects.get(medicine=medicine)
    assert response.json()["quantity_on_hand"] == 100 and moves(batch) == [("received", 100, 0)]
    assert_ledger_balanced()


@pytest.mark.parametrize("change, field", [
    ({"quantity": 0}, "quantity"), ({"quantity": -3}, "quantity"), ({"quantity": 2.5}, "quantity"),
    ({"quantity": 10**12}, "quantity"), ({"quantity": "lots"}, "quantity"),
    ({"expiry_date": TODAY.isoformat()}, "expiry_date"), ({"expiry_date": "2020-02-30"}, "expiry_date"),
    ({"cost": "-0.01"}, "cost"), ({"batch_number": ""}, "batch_number"),
])
def test_bad_batch_input_is_a_field_error(desk_api, hospital, medicine, change, field):
    response = desk_api.post(f"{BASE.format(slug=hospital.slug)}medicines/{medicine.pk}/batches/", {
        "batch_number": "B1", "expiry_date": (TODAY + timedelta(days=200)).isoformat(), "quantity": 10,
        "cost": "1.00", **change}, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not StockBatch.objects.exists()


def test_another_hospitals_medicine_and_order_are_404(desk_api, hospital, other_hospital, pharmacist, receive,
                                                      paid_order):
    theirs = MedicineFactory(hospital=other_hospital, unit_price=Decimal("20.00"))
    receive(theirs, 10)
    order = paid_order(theirs, 1)
    base = BASE.format(slug=hospital.slug)
    assert desk_api.post(f"{base}medicines/{theirs.pk}/batches/", {
        "batch_number": "B1", "expiry_date": (TODAY + timedelta(days=200)).isoformat(), "quantity": 10,
        "cost": "1.00"}, format="json").status_code == 404
    assert desk_api.post(f"{base}orders/{order.pk}/ready/", {}, format="json").status_code == 404
    assert desk_api.post(f"{base}orders/{order.pk}/collected/").status_code == 404
    order.refresh_from_db()
    assert order.status == Status.PAID and theirs.batches.count() == 1


def test_orders_by_status_then_ready_then_collected(desk_api, hospital, medicine, receive, paid_order, order_for,
                                                    patient):
    receive(medicine, 3, expires_in_days=40, batch_number="SOON")
    receive(medicine, 20, expires_in_days=300, batch_number="LATE")
    order = paid_order(medicine, 4)
    unpaid = order_for(medicine, 1)
    base = BASE.format(slug=hospital.slug)

    queue = desk_api.get(base + "orders/").json()
    assert [row["number"] for row in queue["results"]] == [order.number]
    assert [row["id"] for row in desk_api.get(base + "orders/", {"status": "awaiting_payment"}).json()["results"]] == [
        unpaid.pk]
    assert "status" in desk_api.get(base + "orders/", {"status": "cart"}).json()
    assert "status" in desk_api.get(base + "orders/", {"status": "nonsense"}).json()

    early = desk_api.post(f"{base}orders/{order.pk}/collected/")
    assert early.status_code == 400 and "status" in early.json()

    ready = desk_api.post(f"{base}orders/{order.pk}/ready/", {}, format="json")
    assert ready.status_code == 200, ready.content
    assert ready.json()["status"] == "ready" and ready.json()["lines"][0]["quantity_dispensed"] == 4
    assert [m[0] for m in moves(medicine.batches.get(batch_number="SOON"))][-1] == "dispensed"

    collected = desk_api.post(f"{base}orders/{order.pk}/collected/")
    assert collected.status_code == 200 and collected.json()["status"] == "collected"
    assert_ledger_balanced()


def test_ready_with_a_partial_fill_needs_a_note(desk_api, hospital, medicine, receive, paid_order):
    receive(medicine, 20)
    order = paid_order(medicine, 4)
    line = order.lines.get()
    url = f"{BASE.format(slug=hospital.slug)}orders/{order.pk}/ready/"

    refused = desk_api.post(url, {"dispensed": [{"line": line.pk, "quantity": 2}]}, format="json")
    assert refused.status_code == 400 and "note" in refused.json()
    for bad in (-1, 5, 1.5, "x"):
        answer = desk_api.post(url, {"dispensed": [{"line": line.pk, "quantity": bad}], "note": "n"}, format="json")
        assert answer.status_code == 400 and "dispensed" in answer.json(), (bad, answer.content)
    other_line = desk_api.post(url, {"dispensed": [{"line": 999999, "quantity": 1}], "note": "n"}, format="json")
    assert other_line.status_code == 400 and "dispensed" in other_line.json()

    done = desk_api.post(url, {"dispensed": [{"line": line.pk, "quantity": 2}], "note": "Two strips short"},
                         format="json")
    assert done.status_code == 200 and done.json()["fill_note"] == "Two strips short"
    assert_ledger_balanced()


def test_orders_api_query_count_is_flat(desk_api, hospital, receive, paid_order):
    def grow(times):
        for _ in range(times):
            medicine = MedicineFactory(hospital=hospital, unit_price=Decimal("11.00"))
            receive(medicine, 5)
            paid_order(medicine, 1)

    def count() -> int:
        path = BASE.format(slug=hospital.slug) + "orders/"
        desk_api.get(path)  # a staff session's first requests also mark it (staff flag, idle clock)
        desk_api.get(path)
        with CaptureQueriesContext(connection) as queries:
            assert desk_api.get(path).status_code == 200
        return len(queries)

    grow(2)
    small = count()
    grow(18)
    assert count() == small <= 15
