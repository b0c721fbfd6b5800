"""The patient's pharmacy API: medicines of a hospital, placing, reading and cancelling medicine orders."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.tests.factories import PatientFactory
from pharmacy import services
from pharmacy.models import MedicineOrder
from pharmacy.selectors import assert_ledger_balanced
from pharmacy.tests.factories import MedicineFactory

pytestmark = pytest.mark.django_db
Status = MedicineOrder.Status
ORDERS = "/api/v1/me/medicine-orders/"


@pytest.fixture
def api(patient):
    client = APIClient()
    client.force_authenticate(patient)
    return client


@pytest.fixture
def stocked(medicine, receive):
    receive(medicine, 50)
    return medicine


def _place(api, hospital, items, **extra):
    return api.post(ORDERS, {"hospital": hospital.slug, "items": items, **extra}, format="json")


def test_medicines_are_listed_with_availability_and_searched(client, hospital, receive):
    napa = MedicineFactory(hospital=hospital, generic_name="Paracetamol", brand_name="Napa", reorder_level=5)
    seclo = MedicineFactory(hospital=hospital, generic_name="Omeprazole", brand_name="Seclo", prescription_only=True)
    MedicineFactory(hospital=hospital, generic_name="Hidden", active=False)
    receive(napa, 3)

    everything = client.get(f"/api/v1/hospitals/{hospital.slug}/medicines/").json()
    found = client.get(f"/api/v1/hospitals/{hospital.slug}/medicines/", {"q": "napa"}).json()

    assert [(m["brand_name"], m["availability"], m["prescription_only"]) for m in everything["results"]] == [
        ("Seclo", "out_of_stock", True), ("Napa", "few_left", False)]
    assert [m["id"] for m in found["results"]] == [napa.pk]
    assert seclo.pk not in [m["id"] for m in found["results"]]


def test_medicines_of_an_unknown_hospital_is_a_json_404(client):
    response = client.get("/api/v1/hospitals/nowhere/medicines/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")


def test_medicine_list_query_count_is_flat(client, hospital, receive):
    def add(count):
        for _ in range(count):
            receive(MedicineFactory(hospital=hospital), 5)

    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/hospitals/{hospital.slug}/medicines/").status_code == 200
        return len(queries)

    add(3)
    few = measure()
    add(30)
    assert measure() == few <= 15


def test_placing_an_order_reserves_stock_and_awaits_payment(api, patient, hospital, stocked):
    response = _place(api, hospital, [{"medicine": stocked.pk, "quantity": 4}])

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["amount"], body["hospital"]) == ("awaiting_payment", "48.00", hospital.slug)
    assert body["lines"][0]["quantity"] == 4 and body["page_url"] == f"/me/medicine-orders/{body['id']}/"
    assert stocked.batches.get().quantity_reserved == 4
    assert_ledger_balanced()


def test_placing_an_order_with_more_than_in_stock_names_the_item(api, hospital, medicine, receive):
    receive(medicine, 3)
    other = MedicineFactory(hospital=hospital)
    receive(other, 20)

    response = _place(api, hospital, [{"medicine": other.pk, "quantity": 2}, {"medicine": medicine.pk, "quantity": 5}])

    assert response.status_code == 400
    assert response.json() == {"items": [{}, {"quantity": ["Only 3 left of Paracetamol (Napa) 500 mg."]}]}
    assert medicine.batches.get().quantity_reserved == 0
    assert not MedicineOrder.objects.placed().exists()


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "1.5", 1001, 10**30, "many", None, True])
def test_placing_an_order_with_a_bad_quantity_is_a_field_error(api, hospital, stocked, quantity):
    response = _place(api, hospital, [{"medicine": stocked.pk, "quantity": quantity}])

    assert response.status_code == 400
    assert list(response.json()["items"][0]) == ["quantity"]
    assert not MedicineOrder.objects.placed().exists()


@pytest.mark.parametrize("body,field", [
    ({}, "hospital"),
    ({"hospital": "green-life"}, "items"),
    ({"hospital": "green-life", "items": []}, "items"),
    ({"hospital": "green-life", "items": "napa"}, "items"),
    ({"hospital": "nowhere", "items": [{"medicine": 1, "quantity": 1}]}, "hospital"),
])
def test_placing_a_malformed_order_names_the_field(api, hospital, body, field):
    response = api.post(ORDERS, body, format="json")
    assert response.status_code == 400 and field in response.json()


def test_two_hospitals_in_one_order_is_refused_for_the_foreign_item(api, hospital, other_hospital, stocked, receive):
    elsewhere = MedicineFactory(hospital=other_hospital)
    receive(elsewhere, 10)

    response = _place(api, hospital, [{"medicine": stocked.pk, "quantity": 1},
                                      {"medicine": elsewhere.pk, "quantity": 1}])

    assert response.status_code == 400
    assert response.json() == {"items": [{}, {"medicine": ["This medicine is not sold here."]}]}
    assert not MedicineOrder.objects.placed().exists()


def test_prescription_only_needs_the_patients_own_prescription_within_its_quantity(
        api, patient, hospital, receive, issued_prescription):
    rx = MedicineFactory(hospital=hospital, generic_name="Azithromycin", brand_name="", strength="500 mg",
                         prescription_only=True, unit_price=Decimal("40.00"))
    receive(rx, 100)
    theirs = issued_prescription(PatientFactory(), [{"medicine_name": "Azithromycin", "strength": "500 mg"}])

    without = _place(api, hospital, [{"medicine": rx.pk, "quantity": 1}])
    someone_elses = _place(api, hospital, [{"medicine": rx.pk, "quantity": 1}], prescription=theirs.pk)
    mine = issued_prescription(patient, [{"medicine_name": "Azithromycin", "strength": "500 mg",
                                          "frequency": "1+0+0", "duration": "3 days"}])
    above = _place(api, hospital, [{"medicine": rx.pk, "quantity": 4}], prescription=mine.pk)
    within = _place(api, hospital, [{"medicine": rx.pk, "quantity": 3}], prescription=mine.pk)

    assert without.status_code == 400 and "prescription" in without.json()["items"][0]
    assert someone_elses.status_code == 400 and "prescription" in str(someone_elses.json())
    assert above.status_code == 400 and above.json()["items"][0] == {
        "quantity": ["Your prescription allows at most 3 of Azithromycin 500 mg."]}
    assert within.status_code == 201 and within.json()["prescription"] == mine.pk


def test_orders_list_and_detail_are_the_patients_own(api, patient, stocked, order_for):
    mine = order_for(stocked, 2)
    theirs = order_for(stocked, 1, who=PatientFactory())

    listed = api.get(ORDERS).json()
    assert [o["id"] for o in listed["results"]] == [mine.pk]
    assert api.get(f"{ORDERS}{mine.pk}/").json()["number"] == mine.number
    assert api.get(f"{ORDERS}{theirs.pk}/").status_code == 404
    assert api.post(f"{ORDERS}{theirs.pk}/cancel/", {}, format="json").status_code == 404


def test_a_cart_is_not_an_order_in_the_api(api, patient, stocked):
    line = services.add_to_cart(patient=patient, medicine=stocked, quantity=1)
    assert api.get(f"{ORDERS}{line.order_id}/").status_code == 404
    assert api.post(f"{ORDERS}{line.order_id}/cancel/", {}, format="json").status_code == 404


def test_order_list_query_count_is_flat(api, hospital, receive, order_for):
    def place(count):
        for _ in range(count):
            medicine = MedicineFactory(hospital=hospital, unit_price=Decimal("20.00"))
            receive(medicine, 5)
            order_for(medicine, 1)

    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert api.get(ORDERS).status_code == 200
        return len(queries)

    place(1)
    few = measure()
    place(10)
    assert measure() == few <= 15


def test_cancelling_releases_the_stock_and_refuses_once_ready(api, stocked, order_for, paid_order, pharmacist):
    order = order_for(stocked, 2)

    response = api.post(f"{ORDERS}{order.pk}/cancel/", {"reason": "Bought elsewhere"}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert stocked.batches.get().quantity_reserved == 0
    again = api.post(f"{ORDERS}{order.pk}/cancel/", {}, format="json")
    assert again.status_code == 400 and "status" in again.json()

    ready = paid_order(stocked, 2)
    services.start_preparing(order=ready, by=pharmacist)
    services.mark_ready(order=ready, by=pharmacist)
    refused = api.post(f"{ORDERS}{ready.pk}/cancel/", {}, format="json")
    assert refused.status_code == 400 and refused.json() == {
        "status": ["This medicine order is ready; it cannot become cancelled."]}


@pytest.mark.parametrize("method,path", [
    ("get", ORDERS), ("post", ORDERS), ("get", ORDERS + "{id}/"), ("post", ORDERS + "{id}/cancel/"),
])
def test_order_endpoints_need_a_signed_in_user(client, stocked, order_for, method, path):
    order = order_for(stocked, 1)
    response = getattr(client, method)(path.format(id=order.pk), content_type="application/json")
    assert response.status_code in (401, 403) and response["Content-Type"].startswith("application/json")


def test_staff_cannot_place_an_order(pharmacist, hospital, stocked):
    staff = APIClient()
    staff.force_authenticate(pharmacist)

    response = _place(staff, hospital, [{"medicine": stocked.pk, "quantity": 1}])

    assert response.status_code == 400 and response.json() == {
        "patient": ["Only patients can buy medicines. Sign up as a patient first."]}
