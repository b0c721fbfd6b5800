"""Browser journey of the health record: a prescription from the queue to a verified PDF and the access log."""

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from appointments.slots import local_now
from appointments.tests.factories import AppointmentFactory
from records.models import Prescription


def test_doctor_prescribes_from_the_queue_and_the_patient_verifies_it(new_context, doctor_membership, patient,
                                                                      hospital):
    today = local_now(hospital).date()
    AppointmentFactory(membership=doctor_membership, patient=patient, date=today, status="confirmed", token_number=1)

    doctor_page = new_context(user=doctor_membership.user).new_page()
    doctor_page.on("dialog", lambda dialog: dialog.accept())
    doctor_page.goto(f"/manage/{hospital.slug}/queue/")
    expect(doctor_page.get_by_role("link", name="Write prescription")).to_have_count(0)  # not called in yet
    doctor_page.get_by_role("button", name="Call next").click()
    doctor_page.get_by_role("link", name="Write prescription").click()
    expect(doctor_page.get_by_role("heading", name="New prescription")).to_be_visible()
    doctor_page.get_by_label("Diagnosis").fill("Acute viral fever")
    doctor_page.locator("#id_items-0-medicine_name").fill("Napa")
    doctor_page.locator("#id_items-0-strength").fill("500 mg")
    doctor_page.locator("#id_items-0-dose").fill("1 tablet")
    doctor_page.locator("#id_items-0-frequency").fill("1+1+1")
    doctor_page.get_by_role("button", name="Add medicine").click()
    doctor_page.locator("#id_items-1-medicine_name").fill("Mistake")
    doctor_page.locator("#id_items-1-dose").fill("1")
    doctor_page.locator("[data-formset-form]").nth(1).get_by_role("button", name="Remove").click()
    doctor_page.get_by_role("button", name="Add medicine").click()
    doctor_page.locator("#id_items-2-medicine_name").fill("Fexo")
    doctor_page.locator("#id_items-2-dose").fill("1 tablet")
    doctor_page.get_by_label("Advice").fill("প্রচুর পানি পান করুন। Rest for three days.")
    doctor_page.get_by_role("button", name="Save and issue").click()
    expect(doctor_page.get_by_text("Prescription issued.")).to_be_visible()
    prescription = Prescription.objects.get()
    assert prescription.status == "issued"
    assert list(prescription.items.values_list("medicine_name", flat=True)) == ["Napa", "Fexo"]

    patient_page = new_context(user=patient, accept_downloads=True).new_page()
    patient_page.goto("/me/records/")
    expect(patient_page.get_by_text("Napa 500 mg, Fexo")).to_be_visible()
    with patient_page.expect_download() as download_info:
        patient_page.get_by_role("link", name="PDF").first.click()
    with open(download_info.value.path(), "rb") as pdf:
        text = PdfReader(io.BytesIO(pdf.read())).pages[0].extract_text()
    code = prescription.document_code.code
    assert "Napa" in text and "Dr. Kamal Hossain" in text and code in text

    patient_page.goto(f"/verify/{code}/")
    expect(patient_page.get_by_role("heading", name="Genuine document")).to_be_visible()
    expect(patient_page.get_by_text("Napa")).to_have_count(0)

    patient_page.goto("/me/records/")
    patient_page.get_by_role("link", name="Who opened my record", exact=True).click()
    expect(patient_page).to_have_url(re.compile(r"/me/access-log/$"))
    log = patient_page.get_by_test_id("access-log")
    expect(log).to_contain_text("Kamal Hossain")
    expect(log).to_contain_text(hospital.name)
