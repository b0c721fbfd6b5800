"""Browser journeys from the first-user fixes: signing up on the way to registering a hospital; the phone badge."""

import re

from playwright.sync_api import expect

from tests.e2e.steps import sign_up_patient


def test_visitor_registering_a_hospital_signs_up_and_lands_on_the_registration_form(page, sent_emails):
    page.goto("/")
    page.get_by_role("link", name="Register your hospital").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/hospitals/register/$"))

    page.get_by_role("link", name="Create an account").click()
    sign_up_patient(page, sent_emails, full_name="Rafiq Islam", email="rafiq@example.test", password="Padma-bridge-2024")

    expect(page).to_have_url(re.compile(r"/hospitals/register/$"))
    expect(page.get_by_role("heading", name="Register your hospital")).to_be_visible()


def test_patient_on_a_phone_sees_the_unread_count_without_opening_the_menu(new_context):
    from accounts.tests.factories import PatientFactory
    from notifications.services import notify

    patient = PatientFactory(full_name="Mitu Akter")
    notify(patient, "staff_restored", {"hospital_name": "Green Life"})
    notify(patient, "staff_suspended", {"hospital_name": "Riverside"})

    phone = new_context(user=patient, viewport={"width": 360, "height": 740}).new_page()
    phone.goto("/me/")
    expect(phone.get_by_role("button", name="Toggle navigation")).to_be_visible()
    badge = phone.get_by_test_id("phone-bell").locator("[data-unread-badge]")
    expect(badge).to_be_visible()
    expect(badge).to_contain_text("2")
    phone.get_by_test_id("phone-bell").click()
    expect(phone).to_have_url(re.compile(r"/notifications/$"))
    phone.get_by_role("button", name="Mark all read").click()
    expect(phone.get_by_text("2 notifications marked as read.")).to_be_visible()
    expect(badge).to_be_hidden()
