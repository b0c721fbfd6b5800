"""Steps several browser journeys share."""

import re

from playwright.sync_api import expect


def confirm_signup_from_email(page, sent_emails, address):
    """Open the sign-up confirmation link mailed to ``address`` and confirm."""
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    message = next(m for m in sent_emails() if m.to == [address])
    page.goto(re.search(r"https?://\S+/accounts/signup/confirm/\S+", message.body).group(0))
    page.get_by_role("button", name="Confirm and sign in").click()


def sign_up_patient(page, sent_emails, *, full_name, email, password):
    """Fill the patient sign-up form already open on ``page``, send it and confirm from the email."""
    page.get_by_label("Full name").fill(full_name)
    page.get_by_label("Email").fill(email)
    page.locator("#id_password1").fill(password)
    page.get_by_label("Repeat password").fill(password)
    page.get_by_role("button", name="Create account").click()
    confirm_signup_from_email(page, sent_emails, email)
