"""Browser journey of a prescription filled at the hospital's pharmacy: the doctor prescribes a
prescription-only medicine, the patient buys it from the prescription and pays in the sandbox,
the pharmacist prepares it from the earliest-expiring batch and marks it ready, and the patient's
order page says so without a reload; then it is collected."""

import os
import re
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from appointments.slots import local_now
from appointments.tests.factories import AppointmentFactory
from hospitals.tests.factories import MembershipFactory
from pharmacy import services
from pharmacy.models import MedicineOrder
from pharmacy.selectors import assert_ledger_balanced
from pharmacy.tests.factories import MedicineFactory
from records.models import Prescription

SCREENSHOTS = os.environ.get("PHARMACY_SCREENSHOTS", "")


def _shot(page, name):
    """With PHARMACY_SCREENSHOTS=<dir>, keep the page at 360 px and 1280 px wide (for looking at it)."""
    if not SCREENSHOTS:
        return
    size = page.viewport_size
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(size)


def test_prescribed_medicine_bought_paid_prepared_ready_live_and_collected(new_context, doctor_membership, patient,
                                                                           hospital):
    today = local_now(hospital).date()
    AppointmentFactory(membership=doctor_membership, patient=patient, date=today, status="confirmed", token_number=1,
                       arrived_at=timezone.now())
    pharmacist = MembershipFactory(hospital=hospital, role="pharmacist", user__full_name="Habib Chowdhury").user
    azithromycin = MedicineFactory(hospital=hospital, generic_name="Azithromycin", brand_name="Zimax",
                                   strength="500 mg", unit_price=Decimal("45.00"), prescription_only=True,
                                   reorder_level=5)
    later = services.receive_stock(medicine=azithromycin, by=pharmacist, batch_number="ZX-LATE", quantity=30,
                                   cost="30", expiry_date=today + timedelta(days=400))
    soonest = services.receive_stock(medicine=azithromycin, by=pharmacist, batch_number="ZX-SOON", quantity=20,
                                     cost="30", expiry_date=today + timedelta(days=60))
    MedicineFactory(hospital=hospital, generic_name="Paracetamol", brand_name="Napa", unit_price=Decimal("1.20"))

    # The doctor prescribes the prescription-only medicine (and one the pharmacy does not stock).
    doctor_page = new_context(user=doctor_membership.user).new_page()
    doctor_page.on("dialog", lambda dialog: dialog.accept())
    doctor_page.goto(f"/manage/{hospital.slug}/queue/")
    doctor_page.get_by_role("link", name="Write prescription").click()
    doctor_page.get_by_label("Diagnosis").fill("Community-acquired pneumonia")
    doctor_page.locator("#id_items-0-medicine_name").fill("Azithromycin")
    doctor_page.locator("#id_items-0-strength").fill("500 mg")
    doctor_page.locator("#id_items-0-dose").fill("1 tablet")
    doctor_page.locator("#id_items-0-frequency").fill("1+0+0")
    doctor_page.locator("#id_items-0-duration").fill("5 days")
    doctor_page.get_by_role("button", name="Add medicine").click()
    doctor_page.locator("#id_items-1-medicine_name").fill("Montelukast")
    doctor_page.locator("#id_items-1-dose").fill("1 tablet")
    doctor_page.get_by_role("button", name="Save and issue").click()
    expect(doctor_page.get_by_text("Prescription issued.")).to_be_visible()

    # The patient buys the prescription's medicines and pays in the sandbox.
    patient_page = new_context(user=patient).new_page()
    patient_page.on("dialog", lambda dialog: dialog.accept())
    patient_page.goto(f"/hospitals/{hospital.slug}/pharmacy/")
    expect(patient_page.get_by_test_id("rx-badge")).to_have_count(1)
    _shot(patient_page, "shop")
    patient_page.goto(f"/me/records/prescriptions/{Prescription.objects.get(patient=patient).pk}/")
    patient_page.get_by_test_id("buy-medicines").click()
    expect(patient_page).to_have_url(re.compile(r"/me/cart/$"))
    expect(patient_page.get_by_text("Montelukast: Not stocked at this pharmacy.")).to_be_visible()
    cart = patient_page.get_by_test_id("medicine-cart")
    expect(cart.get_by_test_id("cart-line")).to_have_count(1)
    expect(cart.get_by_label("Quantity")).to_have_value("5")
    _shot(patient_page, "cart")
    cart.get_by_role("button", name="Checkout and pay").click()
    expect(patient_page).to_have_url(re.compile(r"/sandbox/sslcommerz/checkout/\w+/$"))
    expect(patient_page.get_by_test_id("amount")).to_have_text("BDT 225.00")
    patient_page.get_by_label("bKash").check()
    patient_page.get_by_role("button", name="Pay BDT 225.00").click()
    expect(patient_page).to_have_url(re.compile(r"/me/medicine-orders/\d+/$"))
    status = patient_page.get_by_test_id("order-status")
    expect(status).to_have_attribute("data-status", "paid")
    order = MedicineOrder.objects.get(status="paid")
    _shot(patient_page, "order-paid")

    # The pharmacist prepares it: the proposed batch is the earliest-expiring one; then ready.
    desk = new_context(user=pharmacist).new_page()
    desk.on("dialog", lambda dialog: dialog.accept())
    desk.goto(f"/manage/{hospital.slug}/pharmacy/orders/{order.pk}/")
    desk.get_by_role("button", name="Start preparing").click()
    proposed = desk.get_by_test_id("proposed-batches")
    expect(proposed).to_contain_text("ZX-SOON")
    expect(proposed).not_to_contain_text("ZX-LATE")
    patient_page.evaluate("window.__notReloaded = true")
    desk.get_by_role("button", name="Mark ready (tell the patient)").click()
    expect(desk.get_by_test_id("order-status")).to_contain_text("Ready")

    # The patient's open page shows "ready" by itself, with the batch handed over.
    expect(status).to_have_attribute("data-status", "ready")
    expect(patient_page.get_by_test_id("ready-note")).to_be_visible()
    expect(patient_page.get_by_test_id("dispensed")).to_contain_text("ZX-SOON")
    assert patient_page.evaluate("window.__notReloaded") is True
    _shot(patient_page, "order-ready")

    desk.get_by_role("button", name="Collected").click()
    expect(desk.get_by_test_id("order-status")).to_contain_text("Collected")
    expect(patient_page.get_by_test_id("order-status")).to_have_attribute("data-status", "collected")

    order.refresh_from_db()
    soonest.refresh_from_db()
    later.refresh_from_db()
    assert order.status == "collected"
    assert (soonest.quantity_on_hand, soonest.quantity_reserved, later.quantity_on_hand) == (15, 0, 30)
    assert_ledger_balanced()
