"""The laboratory from prescription to trend: the doctor recommends a test, the patient orders and pays for it in
the sandbox, the lab collects, enters a critical value and verifies, the doctor is alerted live (a toast and the
dashboard's panel) and acknowledges in another tab (the panel drops it live), and the patient downloads the report, checks it is genuine and sees the trend."""

import re
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PatientFactory
from appointments.tests.factories import AppointmentFactory
from hospitals.tests.factories import DepartmentFactory, HospitalFactory, MembershipFactory
from labs import services
from labs.models import LabOrder
from labs.tests.factories import AnalyteFactory, LabTestFactory, ReferenceRangeFactory


def _laboratory():
    hospital = HospitalFactory(name="Green Life Hospital", slug="green-life")
    medicine = DepartmentFactory(hospital=hospital, name="Medicine", slug="medicine")
    doctor = MembershipFactory(hospital=hospital, department=medicine, user__full_name="Kamal Hossain")
    lab_worker = MembershipFactory(hospital=hospital, role="lab_worker", user__full_name="Shirin Sultana").user
    patient = PatientFactory(full_name="Ayesha Rahman", email="ayesha@example.test")
    patient.patient_profile.sex, patient.patient_profile.date_of_birth = "female", date(1990, 6, 1)
    patient.patient_profile.save()
    AppointmentFactory(membership=doctor, patient=patient, date=timezone.localdate() - timedelta(days=1),
                       status="completed")
    test = LabTestFactory(hospital=hospital, code="HB", name="Haemoglobin", section="haematology",
                          sample_type="Venous blood (EDTA)", price=Decimal("300.00"), preparation="No fasting needed")
    analyte = AnalyteFactory(lab_test=test, name="Haemoglobin", unit="g/dL")
    ReferenceRangeFactory(analyte=analyte, sex="female", age_from_days=6575, low=Decimal("12.0"),
                          high=Decimal("15.5"), critical_low=Decimal("7"), critical_high=Decimal("20"))
    # An earlier haemoglobin, so today's makes a trend of two.
    earlier = services.order_tests(patient=patient, hospital=hospital, tests=[test])
    services.mark_order_paid(order=earlier, by=patient)
    services.collect_sample(order=earlier, by=lab_worker)
    services.enter_results(order=earlier, values={analyte.pk: "12.8"}, by=lab_worker)
    services.verify_and_report(order=LabOrder.objects.get(pk=earlier.pk), by=lab_worker)
    return hospital, doctor, lab_worker, patient, test


def test_prescribed_test_is_paid_reported_critical_acknowledged_and_trended(new_context):
    hospital, doctor_membership, lab_worker, patient, test = _laboratory()

    # The doctor writes a prescription and picks the test from the catalogue as they type.
    doctor = new_context(user=doctor_membership.user).new_page()
    doctor.on("dialog", lambda dialog: dialog.accept())
    doctor.goto(f"/manage/green-life/prescriptions/new/?patient={patient.pk}")
    doctor.get_by_label("Diagnosis").fill("Tiredness, pale")
    doctor.locator("[name=items-0-medicine_name]").fill("Ferrous sulphate")
    doctor.locator("[name=items-0-dose]").fill("1 tablet")
    search = doctor.get_by_role("combobox")
    search.fill("haem")
    expect(doctor.get_by_role("option", name="HB · Haemoglobin")).to_be_visible()
    search.press("Enter")
    expect(doctor.get_by_label("Haemoglobin HB")).to_be_checked()
    doctor.get_by_role("button", name="Save and issue").click()
    expect(doctor.get_by_text("Prescription issued.")).to_be_visible()
    expect(doctor.get_by_test_id("prescription-lab-tests")).to_contain_text("Haemoglobin")
    prescription_id = re.search(r"/prescriptions/(\d+)/", doctor.url).group(1)

    # The patient orders it from the prescription and pays in the sandbox.
    page = new_context(user=patient).new_page()
    page.goto(f"/me/records/prescriptions/{prescription_id}/")
    page.get_by_role("button", name="Order these tests").click()
    expect(page).to_have_url(re.compile(r"/me/cart/$"))
    cart = page.get_by_test_id("lab-cart")
    expect(cart).to_contain_text("Haemoglobin")
    expect(cart.get_by_test_id("lab-cart-total")).to_have_text("BDT 300.00")
    cart.get_by_role("button", name="Checkout and pay").click()  # straight to the gateway, as every checkout
    expect(page).to_have_url(re.compile(r"/sandbox/sslcommerz/checkout/\w+/$"))
    expect(page.get_by_test_id("amount")).to_have_text("BDT 300.00")
    page.get_by_label("bKash").check()
    page.get_by_role("button", name="Pay BDT 300.00").click()
    order = LabOrder.objects.filter(patient=patient).latest("pk")
    expect(page).to_have_url(re.compile(rf"/me/lab-orders/{order.pk}/$"))
    order_url = page.url
    expect(page.get_by_test_id("order-status")).to_have_text("Paid, awaiting sample")
    expect(page.get_by_test_id("receipts")).to_contain_text("Payment receipt (BDT 300.00, PDF)")

    # The doctor waits on the dashboard, socket open.
    doctor.goto("/manage/green-life/")

    # The lab collects, enters a critical value and verifies.
    lab = new_context(user=lab_worker).new_page()
    lab.on("dialog", lambda dialog: dialog.accept())
    lab.goto(f"/manage/green-life/lab/orders/{order.pk}/")
    lab.get_by_role("button", name="Sample collected").click()
    lab.get_by_label("Haemoglobin").fill("6.1")
    lab.get_by_role("button", name="Save results").click()
    lab.get_by_role("button", name="Verify and report").click()
    expect(lab.get_by_text("LL").first).to_be_visible()

    # The doctor hears of it live: a toast, and the dashboard's panel lists it without a reload.
    expect(doctor.locator("#live-toasts")).to_contain_text("Critical lab result: Ayesha Rahman")
    panel = doctor.get_by_test_id("critical-results")
    expect(panel).to_contain_text("Ayesha Rahman")
    order.refresh_from_db()
    expect(panel).to_contain_text(order.accession)

    # The doctor opens the report in another tab and acknowledges it there: the dashboard drops it live.
    report_page = doctor.context.new_page()
    report_page.goto(panel.get_by_role("link", name="Ayesha Rahman").get_attribute("href"))
    report_page.get_by_role("button", name="Acknowledge").click()
    expect(report_page.get_by_test_id("critical-state")).to_contain_text("acknowledged by Kamal Hossain")
    expect(doctor.get_by_test_id("critical-results")).to_have_count(0)
    order.refresh_from_db()
    assert order.critical_acknowledged_by == doctor_membership.user

    # The patient reads the report, downloads it, checks it is genuine and sees the trend.
    page.goto(order_url)
    report = page.get_by_test_id("lab-report")
    expect(report).to_contain_text("6.1 g/dL")
    expect(report).to_contain_text("Critically low")
    with page.expect_download() as download:
        report.get_by_test_id("report-pdf").click()
    assert download.value.suggested_filename.startswith("lab-report-")
    assert open(download.value.path(), "rb").read(4) == b"%PDF"
    report.get_by_test_id("report-verify").click()
    expect(page.get_by_role("heading", name="Genuine document")).to_be_visible()
    page.goto("/me/records/")
    trends = page.get_by_test_id("lab-trends")
    expect(trends).to_contain_text("Haemoglobin")
    expect(trends.locator("canvas[data-drawn='1']")).to_have_count(1)
    expect(trends.locator("tbody tr")).to_have_count(2)
