"""Browser journeys over websockets: a patient and a doctor chat live; the reception board and the
patient's appointment page update without a reload."""

import re
from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import expect

from accounts.tests.factories import PatientFactory
from appointments.slots import local_now
from appointments.tests.factories import AppointmentFactory, ScheduleRuleFactory
from chat.tests.factories import ConversationFactory
from hospitals.tests.factories import DepartmentFactory, HospitalFactory, MembershipFactory
from tests.e2e.test_appointments_journey import _zone_where_it_is_morning

XSS = '<img src=x onerror="window.__xss = 1">'


def _mark_page(page):
    """Set a flag that only survives while the page is not reloaded."""
    page.evaluate("window.__sameDocument = true")


def _still_same_page(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def test_patient_and_doctor_chat_live_and_html_stays_text(new_context, patient, doctor_membership):
    doctor = doctor_membership.user
    AppointmentFactory(membership=doctor_membership, patient=patient, status="confirmed", token_number=1,
                       date=local_now(doctor_membership.hospital).date() + timedelta(days=1))
    conversation = ConversationFactory(patient=patient, doctor=doctor)

    doctor_page = new_context(user=doctor).new_page()
    doctor_page.goto(f"/chat/{conversation.pk}/")
    patient_page = new_context(user=patient).new_page()
    patient_page.goto("/chat/")
    patient_page.get_by_role("link", name=re.compile("Dr. Kamal Hossain")).click()
    for page in (doctor_page, patient_page):
        expect(page.locator("[data-chat-room]")).to_have_attribute("data-chat-live", "1")
        _mark_page(page)

    patient_page.get_by_label("Message", exact=True).fill("My chest feels tight again since this morning.")
    patient_page.get_by_label("Message", exact=True).press("Enter")
    expect(doctor_page.locator(".chat-theirs .chat-body")).to_have_text("My chest feels tight again since this morning.")
    # The doctor has the room open, so the patient's tick turns into "read".
    expect(patient_page.locator(".chat-mine .chat-receipt")).to_have_attribute("title", "Read")

    doctor_page.get_by_label("Message", exact=True).press_sequentially("Please")
    expect(patient_page.get_by_text("Dr. Kamal Hossain is typing…")).to_be_visible()
    doctor_page.get_by_label("Message", exact=True).fill(XSS)
    doctor_page.get_by_role("button", name="Send").click()
    expect(patient_page.locator(".chat-theirs .chat-body")).to_have_text(XSS)
    expect(doctor_page.locator(".chat-mine .chat-body")).to_have_text(XSS)
    for page in (doctor_page, patient_page):
        assert page.locator("[data-chat-log] img").count() == 0
        assert page.evaluate("window.__xss") is None
        assert _still_same_page(page)

    # A reload shows the same history, escaped, from the server.
    patient_page.reload()
    expect(patient_page.locator(".chat-msg")).to_have_count(2)
    expect(patient_page.locator(".chat-theirs .chat-body")).to_have_text(XSS)
    assert patient_page.locator("[data-chat-log] img").count() == 0


def test_reception_board_and_patient_page_update_without_reload(new_context):
    hospital = HospitalFactory(name="Green Life Hospital", slug="green-life", time_zone=_zone_where_it_is_morning())
    cardiology = DepartmentFactory(hospital=hospital, name="Cardiology", slug="cardiology")
    doctor_membership = MembershipFactory(hospital=hospital, department=cardiology, user__full_name="Kamal Hossain",
                                          consultation_fee=Decimal("0.00"))
    ScheduleRuleFactory(membership=doctor_membership, weekday=local_now(hospital).date().weekday(),
                        start_time="09:00", end_time="17:00", slot_minutes=15)
    receptionist = MembershipFactory(hospital=hospital, role="receptionist", user__full_name="Rafiq Islam").user
    patient = PatientFactory(full_name="Ayesha <b>Rahman</b>", email="ayesha@example.test")

    desk = new_context(user=receptionist).new_page()
    desk.goto("/manage/green-life/reception/")
    expect(desk.locator("#reception-board")).to_have_attribute("data-live-state", "open")
    _mark_page(desk)

    patient_page = new_context(user=patient).new_page()
    patient_page.goto(f"/doctors/{doctor_membership.user.doctor_profile.pk}/book/?membership={doctor_membership.pk}")
    patient_page.locator("label[for^=slot-]").first.click()
    patient_page.get_by_label("Reason for visit").fill("Chest tightness when climbing stairs")
    patient_page.get_by_role("button", name="Request appointment").click()
    expect(patient_page).to_have_url(re.compile(r"/appointments/\d+/$"))
    expect(patient_page.locator("#appointment-live")).to_have_attribute("data-live-state", "open")
    _mark_page(patient_page)

    row = desk.locator("tr", has_text="Ayesha <b>Rahman</b>")
    expect(row.get_by_text("Chest tightness")).to_be_visible()
    assert _still_same_page(desk)

    row.get_by_role("button", name="Confirm").click()  # a normal POST: the desk page reloads
    expect(desk.get_by_text("token 1.")).to_be_visible()
    expect(patient_page.get_by_test_id("token")).to_have_text("1")
    assert _still_same_page(patient_page)
    assert patient_page.locator("b").filter(has_text="Rahman").count() == 0


def test_chat_room_still_sends_when_websockets_are_down(new_context, patient, doctor_membership):
    from chat.models import Message

    AppointmentFactory(membership=doctor_membership, patient=patient, status="confirmed", token_number=1,
                       date=local_now(doctor_membership.hospital).date() + timedelta(days=1))
    conversation = ConversationFactory(patient=patient, doctor=doctor_membership.user)
    page = new_context(user=patient).new_page()
    page.route_web_socket(re.compile(r".*/ws/.*"), lambda ws: ws.close(code=1011))  # every socket fails
    page.goto(f"/chat/{conversation.pk}/")
    expect(page.locator("[data-chat-status-text]")).to_have_text("Offline")

    page.get_by_label("Message", exact=True).fill("Sent without a socket")
    page.get_by_label("Message", exact=True).press("Enter")
    expect(page.locator(".chat-mine .chat-body")).to_have_text("Sent without a socket")
    assert Message.objects.get().body == "Sent without a socket"
