"""Browser journeys of a paid appointment through the local SSLCommerz sandbox on the live server."""

import io
import re

from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.tests.factories import PatientFactory
from appointments.models import Appointment
from appointments.slots import local_now
from appointments.tests.factories import ScheduleRuleFactory
from hospitals.tests.factories import DepartmentFactory, HospitalFactory, MembershipFactory
from payments.models import Payment
from payments.sandbox.models import SandboxRefund


def _zone_where_it_is_morning() -> str:
    offset = (10 - timezone.now().hour) % 24
    if offset > 14:
        offset -= 24
    return f"Etc/GMT{-offset:+d}"


def _clinic():
    hospital = HospitalFactory(name="Green Life Hospital", slug="green-life", time_zone=_zone_where_it_is_morning())
    cardiology = DepartmentFactory(hospital=hospital, name="Cardiology", slug="cardiology")
    doctor = MembershipFactory(hospital=hospital, department=cardiology, user__full_name="Kamal Hossain")
    ScheduleRuleFactory(membership=doctor, weekday=local_now(hospital).date().weekday(),
                        start_time="09:00", end_time="17:00", slot_minutes=15)
    return hospital, doctor


def _book(page, doctor, slot_index=0):
    """Book with a fee: straight on to the gateway's checkout; returns the appointment page's path."""
    page.goto(f"/doctors/{doctor.user.doctor_profile.pk}/book/")
    page.locator("label[for^=slot-]").nth(slot_index).click()
    page.get_by_label("Reason for visit").fill("Chest tightness when climbing stairs")
    page.get_by_role("button", name="Request and pay BDT 500.00").click()
    _at_checkout(page)
    return f"/appointments/{Appointment.objects.latest('pk').pk}/"


def _at_checkout(page):
    expect(page).to_have_url(re.compile(r"/sandbox/sslcommerz/checkout/\w+/$"))
    expect(page.get_by_test_id("amount")).to_have_text("BDT 500.00")


def _pay_button(page):
    page.get_by_test_id("pay-panel").get_by_role("button", name="Pay BDT 500.00").click()
    _at_checkout(page)


def test_patient_books_pays_in_sandbox_and_downloads_a_genuine_receipt(new_context, sent_emails):
    _, doctor = _clinic()
    patient = PatientFactory(full_name="Ayesha Rahman", email="ayesha@example.test")
    context = new_context(user=patient)
    page = context.new_page()

    appointment_path = _book(page, doctor)
    checkout_url = page.url
    second_tab = context.new_page()  # Pay from the appointment page in another tab: the same checkout, resumed
    second_tab.goto(appointment_path)
    _pay_button(second_tab)
    assert second_tab.url == checkout_url
    second_tab.close()
    page.get_by_label("bKash").check()
    page.get_by_role("button", name="Pay BDT 500.00").click()

    expect(page).to_have_url(re.compile(re.escape(appointment_path) + "$"))
    expect(page.get_by_text("Payment received.")).to_be_visible()
    expect(page.get_by_text("Requested", exact=True)).to_be_visible()
    expect(page.get_by_test_id("pay-panel")).to_have_count(0)

    page.goto("/me/payments/")
    row = page.get_by_test_id("payments").locator("tr", has_text="Green Life Hospital")
    expect(row.get_by_text("Paid", exact=True)).to_be_visible()
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Receipt (PDF)").click()
    pdf = open(download_info.value.path(), "rb").read()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    payment = Payment.objects.get()
    assert payment.tran_id in text and "500.00" in text and "Ayesha Rahman" in text and "BKASH" in text
    code = payment.receipt_code.code
    assert code in text

    page.goto(f"/verify/{code}/")
    expect(page.get_by_role("heading", name="Genuine document")).to_be_visible()
    receipt_mail = [m for m in sent_emails() if m.subject.startswith("Payment received")]
    assert len(receipt_mail) == 1 and receipt_mail[0].attachments[0][1] == "application/pdf"


def test_failed_and_cancelled_payments_leave_the_appointment_payable(new_context):
    _, doctor = _clinic()
    patient = PatientFactory(full_name="Ayesha Rahman")
    page = new_context(user=patient).new_page()
    appointment_path = _book(page, doctor)
    on_appointment_page = re.compile(re.escape(appointment_path) + "$")

    page.get_by_role("button", name="Fail").click()
    expect(page).to_have_url(on_appointment_page)
    expect(page.get_by_text("The payment did not go through. You can try again.")).to_be_visible()
    expect(page.get_by_text("Awaiting payment", exact=True)).to_be_visible()

    _pay_button(page)
    page.get_by_role("button", name="Cancel").click()
    expect(page).to_have_url(on_appointment_page)
    expect(page.get_by_text("The payment was cancelled.")).to_be_visible()
    expect(page.get_by_test_id("pay-panel")).to_be_visible()

    assert sorted(Payment.objects.values_list("status", flat=True)) == ["cancelled", "failed"]
    assert Appointment.objects.get().status == Appointment.Status.AWAITING_PAYMENT
    page.goto("/me/payments/")
    expect(page.get_by_test_id("attempts").locator("tr")).to_have_count(3)  # the head and both attempts
    expect(page.get_by_test_id("payments")).to_have_count(0)


def test_rejection_by_reception_refunds_the_payment(new_context, sent_emails):
    hospital, doctor = _clinic()
    receptionist = MembershipFactory(hospital=hospital, role="receptionist", user__full_name="Rafiq Islam").user
    patient = PatientFactory(full_name="Ayesha Rahman", email="ayesha@example.test")
    page = new_context(user=patient).new_page()
    _book(page, doctor)
    page.get_by_role("button", name="Pay BDT 500.00").click()
    expect(page.get_by_text("Requested", exact=True)).to_be_visible()

    desk = new_context(user=receptionist).new_page()
    day = Appointment.objects.get().date
    desk.goto(f"/manage/green-life/reception/?date={day:%Y-%m-%d}")
    row = desk.locator("tr", has_text="Ayesha Rahman")
    row.get_by_role("button", name="Reject").click()
    row.get_by_label("Reason for the patient").fill("The doctor is away at a conference")
    row.get_by_role("button", name="Reject request").click()
    expect(desk.locator("tr", has_text="Ayesha Rahman").get_by_text("Rejected")).to_be_visible()

    payment = Payment.objects.get()
    assert payment.status == Payment.Status.REFUNDED
    assert SandboxRefund.objects.get(session__tran_id=payment.tran_id).amount == payment.amount
    page.goto("/me/payments/")
    expect(page.get_by_test_id("payments").locator("tr", has_text="Green Life Hospital")
           .get_by_text("Refunded", exact=True)).to_be_visible()
    assert any(m.subject.startswith("Refund of BDT 500.00") for m in sent_emails())
