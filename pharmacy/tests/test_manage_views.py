"""The pharmacist's desk pages: who may open them, what they show, and what each action does to the stock."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hospitals.tests.factories import MembershipFactory
from notifications.models import Notification
from pharmacy import services
from pharmacy.models import MedicineOrder, StockBatch
from pharmacy.selectors import assert_ledger_balanced
from pharmacy.tests.conftest import NOW, TODAY, moves
from pharmacy.tests.factories import MedicineFactory
from records.models import AccessLog

pytestmark = pytest.mark.django_db
Status = MedicineOrder.Status


def url(name, hospital, *args):
    return reverse(f"pharmacy_desk:{name}", args=[hospital.slug, *args])


@pytest.fixture
def desk(client_for, pharmacist):
    return client_for(pharmacist)


@pytest.fixture
def stocked(medicine, receive):
    receive(medicine, 50, batch_number="LATE", expires_in_days=300)
    receive(medicine, 5, batch_number="SOON", expires_in_days=40)
    return medicine


# Who may open what ---------------------------------------------------------------------------

PAGES = ["desk", "delivery", "medicines", "stock-export", "medicine-new", "medicine", "medicine-edit", "receive",
         "batches",
         "adjust", "orders", "order", "order-prescription"]


def _page_url(name, hospital, medicine, batch, order):
    args = {"medicine": [medicine.pk], "medicine-edit": [medicine.pk], "receive": [medicine.pk],
            "adjust": [batch.pk], "order": [order.pk], "order-prescription": [order.pk]}.get(name, [])
    return url(name, hospital, *args)


@pytest.mark.parametrize("name", PAGES)
def test_desk_pages_access_matrix(name, client, client_for, hospital, other_hospital, patient, pharmacist,
                                  hospital_admin, doctor, receptionist, lab_worker, stocked, paid_order):
    batch = stocked.batches.first()
    order = paid_order(stocked, 2)
    page = _page_url(name, hospital, stocked, batch, order)

    anonymous = client.get(page)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_for(pharmacist).get(page).status_code == 200
    # Admins oversee the desk but read no clinical data.
    assert client_for(hospital_admin).get(page).status_code == (403 if name == "order-prescription" else 200)
    for other_role in (doctor, receptionist, lab_worker):
        assert client_for(other_role).get(page).status_code == 403
    assert client_for(patient).get(page).status_code == 404
    elsewhere = MembershipFactory(hospital=other_hospital, role="pharmacist").user
    assert client_for(elsewhere).get(page).status_code == 404


ACTIONS = ["delivery", "medicine-new", "medicine-edit", "medicine-active", "receive", "adjust", "write-off",
           "write-off-all",
           "order-prepare", "order-ready", "order-collected", "order-dispatch", "order-delivered", "order-cancel"]


@pytest.mark.parametrize("name", ACTIONS)
def test_desk_actions_refuse_everyone_but_the_desk(name, client, client_for, hospital, other_hospital, patient,
                                                   doctor, receptionist, lab_worker, stocked, paid_order):
    batch = stocked.batches.first()
    order = paid_order(stocked, 2)
    args = {"medicine-edit": [stocked.pk], "medicine-active": [stocked.pk], "receive": [stocked.pk],
            "adjust": [batch.pk], "write-off": [batch.pk]}.get(name, [order.pk] if name.startswith("order") else [])
    action = url(name, hospital, *args)
    body = {"delivery_offered": "on", "delivery_fee": "10", "counted": "0", "reason": "r", "batch_number": "Z",
            "quantity": "1", "cost": "1",
            "expiry_date": (TODAY + timedelta(days=50)).isoformat(), **VALID_MEDICINE}

    anonymous = client.post(action, body)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for other_role in (doctor, receptionist, lab_worker):
        assert client_for(other_role).post(action, body).status_code == 403
    assert client_for(patient).post(action, body).status_code == 404
    elsewhere = MembershipFactory(hospital=other_hospital, role="pharmacist").user
    assert client_for(elsewhere).post(action, body).status_code == 404
    order.refresh_from_db()
    stocked.refresh_from_db()
    assert order.status == Status.PAID and stocked.active and stocked.generic_name == "Paracetamol"
    assert not services.pharmacy_settings(hospital).delivery_offered
    assert not StockBatch.objects.filter(batch_number="Z").exists()
    assert_ledger_balanced()


@pytest.mark.parametrize("name", ["medicine", "medicine-edit", "receive", "medicine-active"])
def test_another_hospitals_medicine_is_404(name, desk, other_hospital):
    theirs = MedicineFactory(hospital=other_hospital)
    method = "post" if name == "medicine-active" else "get"
    assert getattr(desk, method)(url(name, theirs.hospital, theirs.pk).replace(other_hospital.slug, "green-life")
                                 ).status_code == 404
    theirs.refresh_from_db()
    assert theirs.active


@pytest.mark.parametrize("name", ["adjust", "write-off"])
def test_another_hospitals_batch_is_404(name, desk, hospital, other_hospital, pharmacist):
    theirs = MedicineFactory(hospital=other_hospital)
    batch = services.receive_stock(medicine=theirs, by=pharmacist, batch_number="X1", expiry_date=TODAY + timedelta(
        days=30), quantity=10, cost="1.00")
    assert desk.post(url(name, hospital, batch.pk), {"counted": "0", "reason": "theft"}).status_code == 404
    batch.refresh_from_db()
    assert batch.quantity_on_hand == 10


@pytest.mark.parametrize("name", ["order", "order-prepare", "order-ready", "order-collected", "order-cancel",
                                  "order-prescription"])
def test_another_hospitals_order_is_404(name, desk, hospital, other_hospital, receive, paid_order):
    theirs = MedicineFactory(hospital=other_hospital, unit_price=Decimal("20.00"))
    receive(theirs, 10)
    order = paid_order(theirs, 2)
    method = "get" if name in ("order", "order-prescription") else "post"
    assert getattr(desk, method)(url(name, hospital, order.pk), {"reason": "x"}).status_code == 404
    order.refresh_from_db()
    assert order.status == Status.PAID


# The desk -----------------------------------------------------------------------------------------

def test_desk_counts_orders_low_stock_expiring_and_expired_value(desk, hospital, stocked, receive, expired_batch,
                                                                 paid_order):
    low = MedicineFactory(hospital=hospital, generic_name="Omeprazole", reorder_level=10)
    receive(low, 4)
    expired_batch(stocked, 6, cost="2.50")
    paid_order(stocked, 2)

    page = desk.get(url("desk", hospital)).content.decode()

    assert f'href="{url("orders", hospital)}?status=to_prepare"' in page
    assert f'href="{url("medicines", hospital)}?stock=low"' in page
    assert f'href="{url("batches", hospital)}?within=30"' in page
    assert "Omeprazole" in page
    assert "15.00" in page  # 6 expired units at 2.50


def test_pharmacists_overview_links_to_the_desk_and_its_menu(desk, hospital):
    page = desk.get(reverse("manage:dashboard", args=[hospital.slug])).content.decode()
    assert 'data-testid="pharmacy-panel"' in page
    for name in ("desk", "medicines", "orders"):
        assert f'href="{url(name, hospital)}"' in page


def test_admin_dashboard_shows_the_pharmacy_panel(client_for, hospital_admin, hospital):
    page = client_for(hospital_admin).get(reverse("manage:dashboard", args=[hospital.slug])).content.decode()
    assert 'data-testid="pharmacy-panel"' in page and url("desk", hospital) in page


def test_home_delivery_is_offered_with_a_fee(desk, hospital):
    refused = desk.post(url("delivery", hospital), {"delivery_offered": "on", "delivery_fee": "-5"})
    assert refused.status_code == 200 and refused.context["form"].errors["delivery_fee"]
    assert not services.pharmacy_settings(hospital).delivery_offered

    desk.post(url("delivery", hospital), {"delivery_offered": "on", "delivery_fee": "60.00"})
    offer = services.pharmacy_settings(hospital)
    assert offer.delivery_offered and offer.delivery_fee == Decimal("60.00")
    page = desk.get(url("delivery", hospital)).content.decode()
    assert 'value="60.00"' in page and "checked" in page


# Medicines ----------------------------------------------------------------------------------------

def test_medicine_list_searches_generic_and_brand_and_filters(desk, hospital, stocked):
    MedicineFactory(hospital=hospital, generic_name="Amoxicillin", brand_name="Moxacil", dosage_form="capsule",
                    prescription_only=True)
    MedicineFactory(hospital=hospital, generic_name="Cetirizine", brand_name="Alatrol", active=False)

    def names(**query):
        page = desk.get(url("medicines", hospital), query).content.decode()
        return {name for name in ("Paracetamol", "Amoxicillin", "Cetirizine") if name in page}

    assert names(q="napa") == {"Paracetamol"}
    assert names(q="moxa") == {"Amoxicillin"}
    assert names(dosage_form="capsule") == {"Amoxicillin"}
    assert names(rx="yes") == {"Amoxicillin"}
    assert names(active="no") == {"Cetirizine"}
    assert names(stock="out") == {"Amoxicillin", "Cetirizine"}
    assert names(stock="nonsense") == {"Paracetamol", "Amoxicillin", "Cetirizine"}


def test_medicine_list_pages(desk, hospital, settings):
    settings.PAGE_SIZE = 5
    MedicineFactory.create_batch(7, hospital=hospital)
    first = desk.get(url("medicines", hospital))
    assert len(first.context["page_obj"]) == 5
    assert len(desk.get(url("medicines", hospital), {"page": 2}).context["page_obj"]) == 2


VALID_MEDICINE = {"generic_name": "Metformin", "brand_name": "Comet", "strength": "500 mg", "dosage_form": "tablet",
                  "unit": "tablet", "pack": "strip of 10", "unit_price": "5.00", "reorder_level": "30",
                  "active": "on", "manufacturer": "Square"}


def test_create_edit_and_deactivate_a_medicine(desk, hospital):
    response = desk.post(url("medicine-new", hospital), VALID_MEDICINE)
    medicine = hospital.medicines.get(generic_name="Metformin")
    assert response.status_code == 302 and response["Location"] == url("medicine", hospital, medicine.pk)
    assert medicine.unit_price == Decimal("5.00") and medicine.active and not medicine.prescription_only

    desk.post(url("medicine-edit", hospital, medicine.pk), {**VALID_MEDICINE, "unit_price": "6.50",
                                                             "prescription_only": "on"})
    medicine.refresh_from_db()
    assert medicine.unit_price == Decimal("6.50") and medicine.prescription_only

    desk.post(url("medicine-active", hospital, medicine.pk))
    medicine.refresh_from_db()
    assert not medicine.active
    desk.post(url("medicine-active", hospital, medicine.pk))
    medicine.refresh_from_db()
    assert medicine.active


@pytest.mark.parametrize("change, field", [
    ({"generic_name": ""}, "generic_name"), ({"unit_price": "-1"}, "unit_price"),
    ({"unit_price": "1.234"}, "unit_price"), ({"reorder_level": "2.5"}, "reorder_level"),
    ({"dosage_form": "potion"}, "dosage_form"),
])
def test_bad_medicine_input_is_shown_beside_the_field(desk, hospital, change, field):
    response = desk.post(url("medicine-new", hospital), {**VALID_MEDICINE, **change})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not hospital.medicines.exists()


def test_a_twin_medicine_is_refused_beside_the_name(desk, hospital):
    desk.post(url("medicine-new", hospital), VALID_MEDICINE)
    response = desk.post(url("medicine-new", hospital), {**VALID_MEDICINE, "brand_name": "COMET"})
    assert "already in the catalogue" in response.context["form"].errors["generic_name"][0]


def test_medicine_page_shows_batches_and_who_moved_the_stock(desk, hospital, stocked, pharmacist):
    page = desk.get(url("medicine", hospital, stocked.pk)).content.decode()
    assert page.index("SOON") < page.index("LATE")  # earliest expiry first
    assert "Habib Chowdhury" in page and "Received" in page


def test_medicine_ledger_pages(desk, hospital, medicine, receive, settings):
    settings.PAGE_SIZE = 3
    for _ in range(4):
        receive(medicine, 1)
    assert len(desk.get(url("medicine", hospital, medicine.pk)).context["page_obj"]) == 3
    assert len(desk.get(url("medicine", hospital, medicine.pk), {"page": 2}).context["page_obj"]) == 1


# Stock ----------------------------------------------------------------------------------------------

def test_receive_stock_adds_a_batch_and_a_ledger_row(desk, hospital, medicine, pharmacist):
    response = desk.post(url("receive", hospital, medicine.pk), {
        "batch_number": "NP2601", "expiry_date": (TODAY + timedelta(days=400)).isoformat(), "quantity": "120",
        "cost": "0.80", "supplier": "Beximco"})
    assert response.status_code == 302
    batch = StockBatch.objects.get(medicine=medicine, batch_number="NP2601")
    assert (batch.quantity_on_hand, batch.cost, batch.supplier, batch.received_by) == (
        120, Decimal("0.80"), "Beximco", pharmacist)
    assert moves(batch) == [("received", 120, 0)]
    assert_ledger_balanced()


@pytest.mark.parametrize("change, field", [
    ({"quantity": "0"}, "quantity"), ({"quantity": "-5"}, "quantity"), ({"quantity": "2.5"}, "quantity"),
    ({"quantity": "10000000000"}, "quantity"), ({"quantity": "ten"}, "quantity"),
    ({"expiry_date": TODAY.isoformat()}, "expiry_date"), ({"expiry_date": "2020-01-01"}, "expiry_date"),
    ({"expiry_date": "soon"}, "expiry_date"), ({"cost": "-1"}, "cost"), ({"batch_number": ""}, "batch_number"),
])
def test_bad_stock_input_is_shown_beside_the_field(desk, hospital, medicine, change, field):
    response = desk.post(url("receive", hospital, medicine.pk), {
        "batch_number": "B1", "expiry_date": (TODAY + timedelta(days=100)).isoformat(), "quantity": "10",
        "cost": "1.00", **change})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not StockBatch.objects.filter(medicine=medicine).exists()


def test_adjust_records_the_count_with_a_reason(desk, hospital, stocked):
    batch = stocked.batches.get(batch_number="LATE")
    response = desk.post(url("adjust", hospital, batch.pk), {"counted": "47", "reason": "Stock-take: 3 strips damaged"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.quantity_on_hand == 47
    assert moves(batch)[-1] == ("adjusted", -3, 0)
    assert "Stock-take: 3 strips damaged" in desk.get(url("medicine", hospital, stocked.pk)).content.decode()
    assert_ledger_balanced()


@pytest.mark.parametrize("counted, reason, field", [
    ("-1", "count", "counted"), ("1.5", "count", "counted"), ("1", "count", "counted"), ("40", "", "reason"),
    ("50", "same", "counted"),
])
def test_bad_adjustments_are_refused_beside_the_field(desk, hospital, stocked, paid_order, counted, reason, field):
    paid_order(stocked, 2)  # reserves 2 units of SOON, the earliest expiry
    batch = stocked.batches.get(batch_number="SOON" if counted == "1" else "LATE")
    before = batch.quantity_on_hand
    response = desk.post(url("adjust", hospital, batch.pk), {"counted": counted, "reason": reason})
    assert response.status_code == 200 and response.context["form"].errors[field]
    batch.refresh_from_db()
    assert batch.quantity_on_hand == before
    assert_ledger_balanced()


def test_write_off_takes_only_expired_batches(desk, hospital, stocked, expired_batch):
    old = expired_batch(stocked, 6)
    fresh = stocked.batches.get(batch_number="LATE")

    refused = desk.post(url("write-off", hospital, fresh.pk), follow=True)
    assert "Only an expired batch can be written off." in refused.content.decode()
    listed = desk.get(url("batches", hospital)).content.decode()
    assert "OLD1" in listed and "LATE" not in listed
    assert '>Expiring within<' in listed

    desk.post(url("write-off-all", hospital))
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.quantity_on_hand, fresh.quantity_on_hand) == (0, 50)
    assert moves(old)[-1] == ("written_off", -6, 0)
    assert_ledger_balanced()


def test_batches_expiring_within_a_window(desk, hospital, stocked):
    assert "SOON" in desk.get(url("batches", hospital), {"within": 60}).content.decode()
    page = desk.get(url("batches", hospital), {"within": 30}).content.decode()
    assert "SOON" not in page and "LATE" not in page


def test_stock_csv_has_a_row_per_batch_and_the_hospitals_date(desk, hospital, stocked):
    response = desk.get(url("stock-export", hospital))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"stock-{hospital.slug}-{TODAY:%Y-%m-%d}.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Generic name", "Brand name", "Strength"]
    assert [row[5] for row in rows[1:]] == ["SOON", "LATE"]
    assert rows[1][7] == NOW.strftime("%Y-%m-%d %H:%M")  # received, in Dhaka time


def test_stock_csv_file_is_named_after_the_hospitals_date_not_utcs(desk, hospital, clock):
    clock.move_to(NOW.replace(hour=1, minute=30))  # 19:30 UTC the day before
    response = desk.get(url("stock-export", hospital))
    assert f"-{TODAY:%Y-%m-%d}.csv" in response["Content-Disposition"]


def test_stock_csv_writes_every_text_cell_a_spreadsheet_would_run_as_text(desk, hospital):
    names = {"Generic name": "=HYPERLINK(1)", "Brand name": "\t=1+2", "Strength": "\r=cmd", "Unit": "@SUM(1)"}
    medicine = MedicineFactory(hospital=hospital, generic_name=names["Generic name"], brand_name=names["Brand name"],
                               strength=names["Strength"], unit=names["Unit"])
    services.receive_stock(medicine=medicine, by=None, batch_number="-B1", expiry_date=TODAY + timedelta(days=9),
                           quantity=3, cost="1", supplier="+Supplier")
    sent = {**names, "Batch": "-B1", "Supplier": "+Supplier"}

    body = b"".join(desk.get(url("stock-export", hospital)).streaming_content).decode()

    header, row = csv.reader(io.StringIO(body))
    cells = dict(zip(header, row))
    assert {column: cells[column] for column in sent} == {column: "'" + text for column, text in sent.items()}
    assert all(cell[:1] not in ("=", "+", "-", "@", "\t", "\r") for cell in row)
    assert (cells["Received quantity"], cells["Unit cost"], cells["Value on hand"]) == ("3", "1.00", "3.00")


# Orders ----------------------------------------------------------------------------------------------

def test_orders_queue_filters_by_status(desk, hospital, stocked, paid_order, order_for, pharmacist):
    first = paid_order(stocked, 1)
    second = services.start_preparing(order=paid_order(stocked, 1), by=pharmacist)
    waiting = order_for(stocked, 1)

    def numbers(**query):
        page = desk.get(url("orders", hospital), query).content.decode()
        return {o.number for o in (first, second, waiting) if o.number in page}

    assert numbers() == {first.number, second.number}
    assert numbers(status="paid") == {first.number}
    assert numbers(status="to_prepare") == {first.number, second.number}
    services.mark_ready(order=second, by=pharmacist)
    assert numbers(status="to_prepare") == {first.number}
    assert numbers(status="awaiting_payment") == {waiting.number}
    assert numbers(status="bogus") == {first.number, second.number}


def test_preparing_proposes_the_earliest_expiring_batch_then_ready_then_collected(
        desk, hospital, stocked, paid_order, patient, django_capture_on_commit_callbacks):
    order = paid_order(stocked, 3)
    assert desk.post(url("order-prepare", hospital, order.pk)).status_code == 302
    page = desk.get(url("order", hospital, order.pk)).content.decode()
    assert "SOON" in page and "LATE" not in page.split('data-testid="pick-list"')[1].split("</ul>")[0]
    line = order.lines.get()

    with django_capture_on_commit_callbacks(execute=True):
        desk.post(url("order-ready", hospital, order.pk), {f"dispensed_{line.pk}": "3"})
    order.refresh_from_db()
    assert order.status == Status.READY
    assert Notification.objects.filter(user=patient, event="medicine_order_ready").exists()
    assert moves(stocked.batches.get(batch_number="SOON"))[-1] == ("dispensed", -3, -3)

    desk.post(url("order-collected", hospital, order.pk))
    order.refresh_from_db()
    assert order.status == Status.COLLECTED
    assert_ledger_balanced()


def test_a_partial_fill_needs_a_note(desk, hospital, stocked, paid_order, pharmacist):
    order = services.start_preparing(order=paid_order(stocked, 4), by=pharmacist)
    line = order.lines.get()

    refused = desk.post(url("order-ready", hospital, order.pk), {f"dispensed_{line.pk}": "2"}, follow=True)
    assert "note" in refused.content.decode().lower()
    order.refresh_from_db()
    assert order.status == Status.PREPARING

    desk.post(url("order-ready", hospital, order.pk), {f"dispensed_{line.pk}": "2", "note": "Only two strips left"})
    order.refresh_from_db()
    assert order.status == Status.READY and order.fill_note == "Only two strips left"
    assert order.lines.get().quantity_dispensed == 2
    assert_ledger_balanced()


@pytest.mark.parametrize("handed", ["-1", "2.5", "99", "many"])
def test_bad_dispensed_quantities_are_refused(desk, hospital, stocked, paid_order, pharmacist, handed):
    order = services.start_preparing(order=paid_order(stocked, 4), by=pharmacist)
    line = order.lines.get()
    response = desk.post(url("order-ready", hospital, order.pk), {f"dispensed_{line.pk}": handed, "note": "n"},
                         follow=True)
    assert response.status_code == 200 and "Line 1: Enter a whole number" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.PREPARING
    assert_ledger_balanced()


def test_collected_before_ready_is_refused_with_a_message(desk, hospital, stocked, paid_order):
    order = paid_order(stocked, 1)
    response = desk.post(url("order-collected", hospital, order.pk), follow=True)
    assert "cannot become collected" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.PAID


def test_delivery_orders_go_out_for_delivery_then_delivered(desk, hospital, stocked, paid_order, pharmacist):
    services.update_pharmacy_settings(hospital=hospital, by=pharmacist, delivery_offered=True, delivery_fee="50.00")
    order = paid_order(stocked, 2, delivery=True, delivery_address="House 4, Road 7, Dhanmondi")
    order = services.mark_ready(order=services.start_preparing(order=order, by=pharmacist), by=pharmacist)
    page = desk.get(url("order", hospital, order.pk)).content.decode()
    assert "Dhanmondi" in page and url("order-dispatch", hospital, order.pk) in page
    assert url("order-collected", hospital, order.pk) not in page

    desk.post(url("order-dispatch", hospital, order.pk))
    order.refresh_from_db()
    assert order.status == Status.OUT_FOR_DELIVERY
    desk.post(url("order-delivered", hospital, order.pk))
    order.refresh_from_db()
    assert order.status == Status.DELIVERED


def test_pharmacist_cancels_with_a_reason_and_the_stock_comes_back(desk, hospital, stocked, paid_order):
    order = paid_order(stocked, 2)
    page = desk.get(url("order", hospital, order.pk)).content.decode()
    assert '>Reason the patient is told<' in page  # the field keeps its own label beside the buttons
    desk.post(url("order-cancel", hospital, order.pk), {"reason": ""})
    order.refresh_from_db()
    assert order.status == Status.PAID
    desk.post(url("order-cancel", hospital, order.pk), {"reason": "Patient asked by phone"})
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert stocked.batches.get(batch_number="SOON").quantity_reserved == 0
    assert_ledger_balanced()


def test_opening_the_orders_prescription_is_access_logged(desk, hospital, patient, pharmacist, issued_prescription,
                                                          receive, paid_order):
    rx_medicine = MedicineFactory(hospital=hospital, generic_name="Amoxicillin", brand_name="Moxacil",
                                  strength="500 mg", dosage_form="capsule", unit_price=Decimal("15.00"),
                                  prescription_only=True)
    receive(rx_medicine, 30)
    prescription = issued_prescription(patient, [{"medicine_name": "Amoxicillin", "strength": "500 mg"}])
    order = paid_order(rx_medicine, 14)

    detail = desk.get(url("order", hospital, order.pk)).content.decode()
    assert "Diagnosis" not in detail  # the order page itself shows no clinical text
    assert not AccessLog.objects.filter(patient=patient).exists()

    page = desk.get(url("order-prescription", hospital, order.pk)).content.decode()
    assert "Fever" in page and "Amoxicillin" in page
    assert f"Prescription {prescription.number} of " in page  # its number and time tell it from another that day
    log = AccessLog.objects.get(patient=patient)
    assert (log.accessor, log.hospital, log.object_type, log.object_id) == (
        pharmacist, hospital, AccessLog.ObjectType.PRESCRIPTION, prescription.pk)


# Query counts ------------------------------------------------------------------------------------------

def _count(client, page, query=None) -> int:
    """Queries of one view of ``page`` after the two a staff session spends first (staff flag, idle clock)."""
    client.get(page, query)
    client.get(page, query)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page, query)
    assert response.status_code == 200, page
    return len(queries)


def _grow(hospital, receive, paid_order, times):
    for n in range(times):
        medicine = MedicineFactory(hospital=hospital, unit_price=Decimal("11.00"))
        receive(medicine, 10, expires_in_days=30 + n)
        receive(medicine, 10, expires_in_days=200 + n)
        paid_order(medicine, 1)


@pytest.mark.parametrize("name", ["desk", "medicines", "orders", "batches"])
def test_desk_lists_cost_the_same_queries_with_ten_times_the_rows(name, desk, hospital, receive, paid_order,
                                                                  settings):
    settings.PAGE_SIZE = 100
    _grow(hospital, receive, paid_order, 2)
    query = {"within": 90} if name == "batches" else {}
    small = _count(desk, url(name, hospital), query)
    _grow(hospital, receive, paid_order, 18)
    assert _count(desk, url(name, hospital), query) == small <= 15


def test_order_page_costs_the_same_queries_with_more_lines(desk, hospital, receive, pharmacist, patient):
    medicines = [MedicineFactory(hospital=hospital) for _ in range(10)]
    for medicine in medicines:
        receive(medicine, 1, expires_in_days=20)
        receive(medicine, 5, expires_in_days=90)
    for medicine in medicines[:1]:
        services.add_to_cart(patient=patient, medicine=medicine, quantity=2)
    small = services.mark_order_paid(order=services.checkout(patient=patient, order=services.open_cart(
        patient=patient, hospital=hospital)), by=patient)
    for medicine in medicines:
        services.add_to_cart(patient=patient, medicine=medicine, quantity=2)
    large = services.mark_order_paid(order=services.checkout(patient=patient, order=services.open_cart(
        patient=patient, hospital=hospital)), by=patient)
    assert _count(desk, url("order", hospital, large.pk)) == _count(desk, url("order", hospital, small.pk)) <= 15
