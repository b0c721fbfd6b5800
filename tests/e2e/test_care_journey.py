"""Browser journeys of the care relationship and the queue: what a cancelled, unpaid booking opens
to the doctor (nothing), and when a waiting patient is next and when it is their turn."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from accounts.tests.factories import PatientFactory
from appointments.models import QueueState
from appointments.slots import local_now
from appointments.tests.factories import AppointmentFactory, ScheduleRuleFactory
from hospitals.tests.factories import DepartmentFactory, HospitalFactory, MembershipFactory
from tests.e2e.steps import sign_up_patient

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _zone_where_it_is_morning() -> str:
    """An IANA zone in which it is now about 10:00, so today's 09:00–17:00 hours have free slots left."""
    offset = (10 - timezone.now().hour) % 24
    if offset > 14:
        offset -= 24
    return f"Etc/GMT{-offset:+d}"  # the Etc/ zones count the other way round


def test_a_booking_cancelled_before_payment_opens_nothing_to_the_doctor(new_context, sent_emails):
    hospital = HospitalFactory(name="Green Life Hospital", slug="green-life", time_zone=_zone_where_it_is_morning())
    cardiology = DepartmentFactory(hospital=hospital, name="Cardiology", slug="cardiology")
    doctor_membership = MembershipFactory(hospital=hospital, department=cardiology, user__full_name="Kamal Hossain")
    ScheduleRuleFactory(membership=doctor_membership, weekday=local_now(hospital).date().weekday(),
                        start_time="09:00", end_time="17:00", slot_minutes=15)

    page = new_context().new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/accounts/signup/")
    sign_up_patient(page, sent_emails, full_name="Nusrat Jahan", email="nusrat@example.test", password="Monsoon-river-42")
    expect(page.get_by_text("Welcome to HealthStack")).to_be_visible()

    page.goto("/me/records/upload/")
    page.get_by_label("Title").fill("Blood test 2024")
    page.get_by_label("Date of the document").fill("2024-05-01")
    page.get_by_label("File").set_input_files({"name": "report.pdf", "mimeType": "application/pdf",
                                               "buffer": PDF_BYTES})
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("was added to your record")).to_be_visible()

    page.goto(f"/doctors/{doctor_membership.user.doctor_profile.pk}/book/")
    page.locator("label[for^=slot-]").last.click()  # late in the day: well before the cancellation cut-off
    page.get_by_label("Reason for visit").fill("Chest tightness when climbing stairs")
    page.get_by_role("button", name="Request and pay BDT 500.00").click()
    expect(page).to_have_url(re.compile(r"/sandbox/sslcommerz/checkout/\w+/$"))
    page.get_by_role("button", name="Cancel").click()  # leaves the gateway unpaid
    expect(page).to_have_url(re.compile(r"/appointments/\d+/$"))
    expect(page.get_by_text("Awaiting payment", exact=True)).to_be_visible()
    page.get_by_label("Why are you cancelling?").fill("Found a doctor closer to home")
    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_text("Your appointment is cancelled.")).to_be_visible()
    expect(page.get_by_text("Cancelled", exact=True)).to_be_visible()

    patient = User.objects.get(email="nusrat@example.test")
    document = patient.medical_documents.get()
    doctor = new_context(user=doctor_membership.user).new_page()
    doctor.goto("/manage/green-life/patients/")
    expect(doctor.get_by_role("heading", name="My patients")).to_be_visible()
    expect(doctor.get_by_text("Nusrat Jahan")).to_have_count(0)
    expect(doctor.get_by_text("No patients yet")).to_be_visible()
    for url in (f"/manage/green-life/patients/{patient.pk}/",
                f"/manage/green-life/patients/{patient.pk}/documents/{document.pk}/",
                f"/manage/green-life/prescriptions/new/?patient={patient.pk}",
                f"/chat/with/{patient.pk}/"):
        assert doctor.goto(url).status == 404, url


def test_the_next_patient_is_next_until_the_doctor_calls_their_token(new_context, hospital, doctor_membership,
                                                                     patient):
    today = local_now(hospital).date()
    AppointmentFactory(membership=doctor_membership, patient=PatientFactory(full_name="Rahim Uddin"), date=today,
                       start_time="09:00", end_time="09:15", status="completed", token_number=1)
    mine = AppointmentFactory(membership=doctor_membership, patient=patient, date=today, start_time="09:15",
                              end_time="09:30", status="confirmed", token_number=2)
    QueueState.objects.create(hospital=hospital, membership=doctor_membership, date=today, now_serving=1)

    patient_page = new_context(user=patient).new_page()
    patient_page.goto(f"/appointments/{mine.pk}/")
    expect(patient_page.get_by_test_id("now-serving")).to_have_text("1")
    expect(patient_page.get_by_text("You are next.")).to_be_visible()
    expect(patient_page.get_by_text("It is your turn.")).to_have_count(0)

    display = new_context().new_page()
    display.goto(f"/display/{hospital.slug}/{doctor_membership.pk}/")
    expect(display.get_by_text("You are next")).to_be_visible()
    expect(display.locator("[data-next-token]")).to_have_text("2")

    doctor = new_context(user=doctor_membership.user).new_page()
    doctor.goto(f"/manage/{hospital.slug}/queue/")
    doctor.get_by_role("button", name="Call next").click()
    expect(doctor.get_by_text("Now serving token 2: Ayesha Rahman.")).to_be_visible()

    patient_page.reload()
    expect(patient_page.get_by_test_id("now-serving")).to_have_text("2")
    expect(patient_page.get_by_text("It is your turn.")).to_be_visible()
    expect(patient_page.get_by_text("You are next.")).to_have_count(0)
    expect(display.locator("[data-now-serving]")).to_have_text("2")  # the screen polls and hears the call
    expect(display.locator("[data-next]")).to_be_hidden()  # nobody is waiting after token 2
    patient_page.goto("/notifications/")
    expect(patient_page.locator("strong", has_text="Token 2: Dr. Kamal Hossain will see you now")).to_be_visible()
