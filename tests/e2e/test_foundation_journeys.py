"""Browser journeys of the foundation: a patient finds care; a doctor joins a hospital."""

import re

from playwright.sync_api import expect

from hospitals.models import Membership
from hospitals.tests.factories import DepartmentFactory, HospitalFactory, MembershipFactory
from tests.e2e.steps import confirm_signup_from_email, sign_up_patient

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_visitor_signs_up_searches_by_city_and_opens_a_doctor(page, sent_emails):
    sylhet = HospitalFactory(name="Surma Valley Hospital", slug="surma-valley", city="Sylhet")
    HospitalFactory(name="Dhaka Lakeside Hospital", slug="dhaka-lakeside", city="Dhaka")
    skin = DepartmentFactory(hospital=sylhet, name="Dermatology", slug="dermatology")
    MembershipFactory(hospital=sylhet, department=skin, user__full_name="Sumaiya Chowdhury",
                      user__doctor_profile__specialisation="Dermatology")

    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    sign_up_patient(page, sent_emails, full_name="Nusrat Jahan", email="nusrat@example.test", password="Monsoon-river-42")
    expect(page.get_by_text("Welcome to HealthStack")).to_be_visible()
    expect(page.get_by_role("heading", name="Hello, Nusrat")).to_be_visible()

    page.goto("/hospitals/")
    page.locator("#id_city").select_option("Sylhet")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Surma Valley Hospital")).to_be_visible()
    expect(page.get_by_text("Dhaka Lakeside Hospital")).to_have_count(0)

    page.get_by_role("link", name="Surma Valley Hospital").click()
    page.get_by_role("link", name="Dermatology").click()
    expect(page.get_by_role("heading", name="Dermatology")).to_be_visible()
    page.get_by_role("link", name="Dr. Sumaiya Chowdhury").click()
    expect(page).to_have_url(re.compile(r"/doctors/\d+/$"))
    expect(page.get_by_role("heading", name="Dr. Sumaiya Chowdhury", exact=True)).to_be_visible()
    expect(page.get_by_text("BDT 500.00").first).to_be_visible()


def test_doctor_signs_up_applies_and_admin_approves(new_context, sent_emails):
    hospital = HospitalFactory(name="Green Life Hospital", slug="green-life")
    DepartmentFactory(hospital=hospital, name="Cardiology", slug="cardiology")
    admin = MembershipFactory(hospital=hospital, role="admin", user__full_name="Nasrin Akter").user

    doctor_page = new_context().new_page()
    doctor_page.goto("/accounts/signup/doctor/")
    doctor_page.get_by_label("Full name").fill("Tanvir Ahmed")
    doctor_page.get_by_label("Email").fill("dr.tanvir@example.test")
    doctor_page.locator("#id_password1").fill("Stethoscope-blue-8")
    doctor_page.get_by_label("Repeat password").fill("Stethoscope-blue-8")
    doctor_page.get_by_label("Specialisation").fill("Cardiology")
    doctor_page.get_by_label("Qualifications").fill("MBBS, MD (Cardiology)")
    doctor_page.get_by_label("Registration number").fill("BMDC-A-55555")
    doctor_page.get_by_label("Years of practice").fill("9")
    doctor_page.get_by_role("button", name="Create doctor account").click()
    confirm_signup_from_email(doctor_page, sent_emails, "dr.tanvir@example.test")
    expect(doctor_page.get_by_text("Your doctor account is ready")).to_be_visible()

    doctor_page.goto("/me/applications/")
    doctor_page.get_by_role("link", name="Apply").first.click()
    doctor_page.get_by_label("Department").select_option(label="Cardiology")
    doctor_page.get_by_label("Certificates").set_input_files(
        {"name": "bmdc-certificate.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    doctor_page.get_by_role("button", name="Send application").click()
    expect(doctor_page.get_by_text("Your application to Green Life Hospital was sent")).to_be_visible()
    expect(doctor_page.get_by_text("Pending")).to_be_visible()

    admin_page = new_context(user=admin).new_page()
    admin_page.goto("/manage/green-life/")
    admin_page.get_by_text("Applications to review").click()
    admin_page.get_by_text("Dr. Tanvir Ahmed").click()
    href = admin_page.get_by_role("link", name="bmdc-certificate.pdf").get_attribute("href")
    certificate = admin_page.request.get(href)
    assert certificate.ok and certificate.body() == PDF_BYTES
    assert re.fullmatch(r'attachment; filename="certificate-\d+\.pdf"', certificate.headers["content-disposition"])
    assert doctor_page.request.get(href).status == 404
    admin_page.get_by_label("Consultation fee").fill("800")
    admin_page.get_by_role("button", name="Approve Dr. Tanvir Ahmed").click()
    expect(admin_page.get_by_text("was approved")).to_be_visible()

    membership = Membership.objects.get(user__email="dr.tanvir@example.test", hospital=hospital)
    assert membership.status == "approved"

    doctor_page.goto("/dashboard/")
    expect(doctor_page).to_have_url(re.compile(r"/manage/green-life/$"))
    expect(doctor_page.get_by_role("heading", name="Green Life Hospital")).to_be_visible()


def test_patient_reviews_and_revokes_api_tokens_on_a_phone(new_context, patient):
    from accounts.models import ApiToken
    from accounts.services import issue_api_token

    _, phone_key = issue_api_token(user=patient, client="HealthStack Android 2.1")
    issue_api_token(user=patient, client="Clinic kiosk 1.0")

    page = new_context(user=patient, viewport={"width": 360, "height": 740}).new_page()
    page.goto("/me/profile/")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    expect(page.get_by_text("HealthStack Android 2.1")).to_be_visible()
    expect(page.get_by_text("Never used")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone_key not in page.content()

    page.on("dialog", lambda dialog: dialog.accept())
    row = page.locator(".list-group-item", has_text="HealthStack Android 2.1")
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("The token was revoked")).to_be_visible()
    expect(page.get_by_text("HealthStack Android 2.1")).to_have_count(0)
    expect(page.get_by_text("Clinic kiosk 1.0")).to_be_visible()

    page.get_by_role("button", name="Revoke all").click()
    expect(page.get_by_text("No API tokens")).to_be_visible()
    assert not ApiToken.objects.filter(user=patient).exists()
