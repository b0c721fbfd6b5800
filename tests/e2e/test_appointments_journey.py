"""Browser journey of an appointment: booked, confirmed with a token, called, completed, reviewed."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, PatientFactory
from appointments.slots import local_now
from appointments.tests.factories import ScheduleRuleFactory
from hospitals.tests.factories import DepartmentFactory, HospitalFactory, MembershipFactory


def _zone_where_it_is_morning() -> str:
    """An IANA zone in which it is now about 10:00, so today's 09:00–17:00 hours have free slots left."""
    offset = (10 - timezone.now().hour) % 24
    if offset > 14:
        offset -= 24
    return f"Etc/GMT{-offset:+d}"  # the Etc/ zones count the other way round


def test_patient_books_reception_confirms_doctor_completes_patient_reviews(new_context):
    hospital = HospitalFactory(name="Green Life Hospital", slug="green-life", time_zone=_zone_where_it_is_morning())
    cardiology = DepartmentFactory(hospital=hospital, name="Cardiology", slug="cardiology")
    doctor_membership = MembershipFactory(hospital=hospital, department=cardiology, user__full_name="Kamal Hossain")
    ScheduleRuleFactory(membership=doctor_membership, weekday=local_now(hospital).date().weekday(),
                        start_time="09:00", end_time="17:00", slot_minutes=15)
    receptionist = MembershipFactory(hospital=hospital, role="receptionist", user__full_name="Rafiq Islam").user
    patient = PatientFactory(full_name="Ayesha Rahman", email="ayesha@example.test")
    doctor_id = doctor_membership.user.doctor_profile.pk

    patient_page = new_context().new_page()
    patient_page.goto("/accounts/login/")
    patient_page.get_by_label("Email").fill(patient.email)
    patient_page.get_by_label("Password").fill(PASSWORD)
    patient_page.get_by_role("button", name="Log in").click()
    patient_page.goto(f"/doctors/{doctor_id}/")
    patient_page.get_by_role("link", name="Book at Green Life Hospital").click()
    expect(patient_page.get_by_test_id("fee")).to_have_text("BDT 500.00")
    expect(patient_page.get_by_text("Free until 2 hours before your appointment.")).to_be_visible()
    patient_page.locator("label[for^=slot-]").first.click()
    patient_page.get_by_label("Reason for visit").fill("Chest tightness when climbing stairs")
    patient_page.get_by_role("button", name="Request and pay BDT 500.00").click()  # the fee first, in the sandbox
    expect(patient_page).to_have_url(re.compile(r"/sandbox/sslcommerz/checkout/\w+/$"))
    patient_page.get_by_role("button", name="Pay BDT 500.00").click()
    expect(patient_page).to_have_url(re.compile(r"/appointments/\d+/$"))
    expect(patient_page.get_by_text("Requested", exact=True)).to_be_visible()
    appointment_url = patient_page.url

    desk = new_context(user=receptionist).new_page()
    desk.goto("/manage/green-life/reception/")
    row = desk.locator("tr", has_text="Ayesha Rahman")
    expect(row.get_by_text("Chest tightness")).to_be_visible()
    row.get_by_role("button", name="Confirm").click()
    expect(desk.get_by_text("Confirmed Ayesha Rahman: token 1.")).to_be_visible()
    expect(desk.locator("tr", has_text="Ayesha Rahman").get_by_test_id("token")).to_have_text("1")

    patient_page.goto(appointment_url)
    expect(patient_page.get_by_test_id("token")).to_have_text("1")

    doctor = new_context(user=doctor_membership.user).new_page()
    doctor.goto("/manage/green-life/queue/")
    doctor.get_by_role("button", name="Call next").click()
    expect(doctor.get_by_text("Now serving token 1: Ayesha Rahman.")).to_be_visible()
    expect(doctor.get_by_test_id("now-serving")).to_have_text("1")
    doctor.locator("tr", has_text="Ayesha Rahman").get_by_role("button", name="Complete").click()
    expect(doctor.get_by_text("Completed Ayesha Rahman's visit.")).to_be_visible()

    patient_page.goto(appointment_url)
    expect(patient_page.get_by_text("Completed", exact=True)).to_be_visible()
    patient_page.get_by_label("★★★★★", exact=True).check()
    patient_page.get_by_label("Your review (optional)").fill("Listened carefully and explained everything.")
    patient_page.get_by_role("button", name="Post review").click()
    expect(patient_page.get_by_text("Thank you. Your review is on the doctor's profile.")).to_be_visible()

    patient_page.goto(f"/doctors/{doctor_id}/")
    expect(patient_page.get_by_text("Listened carefully and explained everything.")).to_be_visible()
    expect(patient_page.get_by_test_id("review-summary")).to_contain_text("5.0")
