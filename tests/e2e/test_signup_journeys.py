"""Browser journey: a visitor who wants to register a hospital signs up on the way and lands back on the form."""

import re

from playwright.sync_api import expect


def test_visitor_registering_a_hospital_signs_up_and_lands_on_the_registration_form(page):
    page.goto("/")
    page.get_by_role("link", name="Register your hospital").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/hospitals/register/$"))

    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Full name").fill("Rafiq Islam")
    page.get_by_label("Email").fill("rafiq@example.test")
    page.locator("#id_password1").fill("Padma-bridge-2024")
    page.get_by_label("Repeat password").fill("Padma-bridge-2024")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(re.compile(r"/hospitals/register/$"))
    expect(page.get_by_role("heading", name="Register your hospital")).to_be_visible()
