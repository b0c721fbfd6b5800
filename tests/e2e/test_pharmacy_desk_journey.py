"""Browser journey of the pharmacist's desk on a phone: receive stock, then prepare a paid order from the
earliest-expiring batch, mark it ready and hand it over."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from pharmacy import services
from pharmacy.models import MedicineOrder
from pharmacy.selectors import assert_ledger_balanced
from pharmacy.tests.factories import MedicineFactory


def test_pharmacist_receives_stock_and_hands_over_an_order(new_context, hospital, pharmacist, patient):
    today = timezone.localdate()
    medicine = MedicineFactory(hospital=hospital, generic_name="Paracetamol", brand_name="Napa", unit_price=Decimal(
        "12.00"))
    services.receive_stock(medicine=medicine, by=pharmacist, batch_number="LATE-1", quantity=40, cost="1.00",
                           expiry_date=today + timedelta(days=400))

    page = new_context(user=pharmacist, viewport={"width": 360, "height": 800}).new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"/manage/{hospital.slug}/pharmacy/medicines/{medicine.pk}/")
    page.get_by_role("link", name="Receive stock").click()
    page.get_by_label("Batch number").fill("SOON-1")
    page.get_by_label("Expiry date").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("Quantity (units)").fill("10")
    page.get_by_label("Unit cost (BDT)").fill("0.90")
    page.get_by_role("button", name="Receive batch").click()
    expect(page.get_by_text("only stock with a future expiry date can be received")).to_be_visible()
    page.get_by_label("Expiry date").fill((today + timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Receive batch").click()
    expect(page.get_by_text("Batch SOON-1 received: 10 units.")).to_be_visible()

    services.add_to_cart(patient=patient, medicine=medicine, quantity=4)
    order = services.checkout(patient=patient, order=services.open_cart(patient=patient, hospital=hospital))
    services.mark_order_paid(order=order, by=patient)

    page.goto(f"/manage/{hospital.slug}/pharmacy/")
    page.get_by_test_id("pharmacy-to-prepare").click()
    page.get_by_test_id("order-row").click()
    page.get_by_role("button", name="Start preparing").click()
    expect(page.get_by_test_id("proposed-batches")).to_contain_text("SOON-1")  # earliest expiry first
    expect(page.get_by_test_id("proposed-batches")).not_to_contain_text("LATE-1")
    page.get_by_role("button", name="Mark ready (tell the patient)").click()
    expect(page.get_by_test_id("order-status")).to_contain_text("Ready")
    page.get_by_role("button", name="Collected").click()
    expect(page.get_by_test_id("order-status")).to_contain_text("Collected")

    order.refresh_from_db()
    assert order.status == MedicineOrder.Status.COLLECTED and order.lines.get().quantity_dispensed == 4
    assert_ledger_balanced()
