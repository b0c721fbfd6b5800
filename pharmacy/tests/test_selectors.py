"""The shop, stock list, desk dashboard, queues and CSV export: right figures, and flat query counts."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import PatientFactory
from pharmacy import selectors, services
from pharmacy.selectors import Availability
from pharmacy.tests.conftest import NOW
from pharmacy.tests.factories import MedicineFactory

pytestmark = pytest.mark.django_db


def test_shop_search_by_generic_or_brand_with_availability(hospital, medicine, pharmacist, receive, expired_batch,
                                                          order_for):
    receive(medicine, 100)  # reorder level 20: in stock
    seclo = MedicineFactory(hospital=hospital, generic_name="Omeprazole", brand_name="Seclo", reorder_level=10)
    receive(seclo, 12)
    order_for(seclo, 4)  # 8 free: few left
    comet = MedicineFactory(hospital=hospital, generic_name="Metformin", brand_name="Comet")
    expired_batch(comet, 50)  # only expired stock: out of stock
    MedicineFactory(hospital=hospital, generic_name="Napa Extra", brand_name="Napa Extend", active=False)

    everything = {m.generic_name: (m.availability, m.units_available) for m in selectors.shop_medicines(hospital)}
    by_brand = [m.generic_name for m in selectors.shop_medicines(hospital, q="napa")]
    by_generic = [m.generic_name for m in selectors.shop_medicines(hospital, q="OMEPRA")]

    assert everything == {"Paracetamol": (Availability.IN_STOCK, 100), "Omeprazole": (Availability.FEW_LEFT, 8),
                          "Metformin": (Availability.OUT_OF_STOCK, 0)}
    assert by_brand == ["Paracetamol"] and by_generic == ["Omeprazole"]


def test_stock_list_filters(hospital, medicine, pharmacist, receive, expired_batch):
    receive(medicine, 100, expires_in_days=400)
    low = MedicineFactory(hospital=hospital, generic_name="Amlodipine", reorder_level=10)
    receive(low, 6, expires_in_days=20)
    old = MedicineFactory(hospital=hospital, generic_name="Azithromycin")
    expired_batch(old, 9)
    MedicineFactory(hospital=hospital, generic_name="Cetirizine", active=False)

    def names(**filters):
        return [m.generic_name for m in selectors.stock_list(hospital, **filters)]

    assert names() == ["Amlodipine", "Azithromycin", "Cetirizine", "Paracetamol"]
    assert names(stock="low") == ["Amlodipine", "Azithromycin"]
    assert names(stock="out") == ["Azithromycin", "Cetirizine"]
    assert names(stock="expiring", expiring_days=30) == ["Amlodipine"]
    assert names(stock="expired") == ["Azithromycin"]
    assert names(stock="inactive") == ["Cetirizine"] == names(active=False)
    assert names(q="amlo", dosage_form="tablet") == ["Amlodipine"]


def test_desk_dashboard_counts_orders_expiry_windows_and_expired_value(hospital, medicine, pharmacist, receive,
                                                                       expired_batch, paid_order, order_for):
    receive(medicine, 100, expires_in_days=25)
    receive(MedicineFactory(hospital=hospital), 10, expires_in_days=50)
    receive(MedicineFactory(hospital=hospital), 10, expires_in_days=85)
    receive(MedicineFactory(hospital=hospital), 10, expires_in_days=200)
    expired_batch(MedicineFactory(hospital=hospital, generic_name="Old"), 30, cost="2.50")
    paid_order(medicine, 1)
    preparing = services.start_preparing(order=paid_order(medicine, 1), by=pharmacist)
    ready = services.start_preparing(order=paid_order(medicine, 1), by=pharmacist)
    services.mark_ready(order=ready, by=pharmacist)
    order_for(medicine, 1)  # awaiting payment: not the pharmacist's yet

    board = selectors.desk_dashboard(hospital)

    assert (board.to_prepare, board.ready, board.out_for_delivery) == (2, 1, 0)
    assert board.expiring == {30: 1, 60: 2, 90: 3}
    assert (board.expired_batches, board.expired_value) == (1, Decimal("75.00"))
    assert "Old" in [m.generic_name for m in board.low_stock]
    assert preparing.status == "preparing"


def test_expiry_windows_use_the_hospitals_dates(hospital, medicine, receive):
    batch = receive(medicine, 10, expires_in_days=30)
    # 00:30 in Dhaka is still 18:30 of the day before in UTC: the window counts Dhaka's days.
    just_after_midnight = (NOW + timedelta(days=1)).replace(hour=0, minute=30)

    assert list(selectors.expiring_batches(hospital, days=29, now=NOW)) == []
    assert [b.pk for b in selectors.expiring_batches(hospital, days=29, now=just_after_midnight)] == [batch.pk]
    assert selectors.desk_dashboard(hospital, now=just_after_midnight).expiring == {30: 1, 60: 1, 90: 1}


def test_orders_queue_and_patient_orders(hospital, patient, medicine, pharmacist, receive, paid_order, order_for):
    receive(medicine, 100)
    first = paid_order(medicine, 1)
    second = services.start_preparing(order=paid_order(medicine, 2, who=PatientFactory()), by=pharmacist)
    waiting = order_for(medicine, 1, who=PatientFactory())

    assert [o.pk for o in selectors.orders_queue(hospital)] == [first.pk, second.pk]
    assert [o.pk for o in selectors.orders_queue(hospital, status="awaiting_payment")] == [waiting.pk]
    assert [o.pk for o in selectors.patient_orders(patient)] == [first.pk]
    services.add_to_cart(patient=patient, medicine=medicine, quantity=1)
    assert [o.pk for o in selectors.patient_orders(patient)] == [first.pk]  # a cart is not an order
    assert len(selectors.patient_carts(patient)) == 1


def test_stock_csv_has_one_row_per_batch_with_local_dates(hospital, medicine, receive, expired_batch):
    receive(medicine, 100, batch_number="NP-9")
    expired_batch(medicine, 5)

    text = io.StringIO()
    csv.writer(text).writerows(selectors.stock_csv_rows(hospital))
    rows = list(csv.reader(io.StringIO(text.getvalue())))

    assert rows[0][:3] == ["Generic name", "Brand name", "Strength"]
    assert [(r[5], r[10], r[15]) for r in rows[1:]] == [("OLD1", "5", "yes"), ("NP-9", "100", "no")]
    assert rows[2][7] == NOW.strftime("%Y-%m-%d %H:%M")  # received at 10:00 Dhaka time, not 04:00 UTC


def _count(function) -> int:
    with CaptureQueriesContext(connection) as queries:
        result = function()
        list(result) if hasattr(result, "__iter__") and not isinstance(result, dict) else result
    return len(queries)


def _grow(hospital, pharmacist, patient, times: int):
    for n in range(times):
        medicine = MedicineFactory(hospital=hospital)
        for b in range(2):
            services.receive_stock(medicine=medicine, by=pharmacist, batch_number=f"G{n}-{b}",
                                   expiry_date=NOW.date() + timedelta(days=100 + b), quantity=50, cost="1")
        buyer = patient if n % 2 else PatientFactory()
        services.add_to_cart(patient=buyer, medicine=medicine, quantity=2)
        order = services.checkout(patient=buyer, order=services.open_cart(patient=buyer, hospital=hospital))
        services.mark_order_paid(order=order, by=buyer)


@pytest.mark.parametrize("read", ["shop", "stock", "queue", "patient_orders", "dashboard", "cart_problems", "pick"])
def test_query_counts_stay_flat_with_ten_times_the_data(read, hospital, pharmacist, patient):
    def run():
        cart = services.open_cart(patient=patient, hospital=hospital)
        order = selectors.orders_queue(hospital).first()
        reads = {
            "shop": lambda: selectors.shop_medicines(hospital, q="Generic"),
            "stock": lambda: selectors.stock_list(hospital, stock="low"),
            "queue": lambda: [o.lines.all() and [line.medicine for line in o.lines.all()]
                              for o in selectors.orders_queue(hospital)],
            "patient_orders": lambda: [[line.medicine for line in o.lines.all()]
                                       for o in selectors.patient_orders(patient)],
            "dashboard": lambda: [selectors.desk_dashboard(hospital)],
            "cart_problems": lambda: services.cart_problems(cart),
            "pick": lambda: [[a.batch for a in line.allocations.all()] for line in selectors.pick_list(order)],
        }
        return _count(reads[read])

    def fill_cart():
        for medicine in selectors.shop_medicines(hospital).filter(units_available__gt=5)[:12]:
            services.add_to_cart(patient=patient, medicine=medicine, quantity=1)

    _grow(hospital, pharmacist, patient, 2)
    fill_cart()
    assert selectors.patient_orders(patient).exists()
    small = run()
    _grow(hospital, pharmacist, patient, 20)
    fill_cart()
    large = run()

    assert small == large <= 15, (small, large)
