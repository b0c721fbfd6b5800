"""Each role's home shows what that person does first each day, with flat query counts."""

import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PatientFactory
from appointments.slots import local_now
from appointments.tests.factories import AppointmentFactory
from chat.models import Conversation
from chat.tests.factories import ConversationFactory, MessageFactory
from healthstack.verification import issue_document_code
from hospitals.dashboard import panels_for
from hospitals.tests.factories import MembershipFactory
from payments.models import Payment, content_type_of
from records.tests.factories import MedicalDocumentFactory, PrescriptionFactory

pytestmark = pytest.mark.django_db


def _patient_history(patient, doctor_membership, *, copies: int = 1, first_day: int = 0):
    """Per copy: an upcoming and a past visit, an issued and a draft prescription, an upload, a paid
    payment, and an unread message from the doctor."""
    today = local_now(doctor_membership.hospital).date()
    for n in range(first_day, first_day + copies):
        upcoming = AppointmentFactory(membership=doctor_membership, patient=patient, date=today + timedelta(days=2 + n))
        AppointmentFactory(membership=doctor_membership, patient=patient, date=today - timedelta(days=3 + n),
                           status="completed", token_number=1)
        PrescriptionFactory(membership=doctor_membership, patient=patient, status="issued", issued_at=timezone.now(),
                            document_code=issue_document_code(kind="prescription", hospital_name="Green Life",
                                                              patient_name=patient.full_name))
        PrescriptionFactory(membership=doctor_membership, patient=patient)
        MedicalDocumentFactory(patient=patient)
        Payment.objects.create(tran_id=f"HSHOME{patient.pk}{n}", payer=patient, hospital=doctor_membership.hospital,
                               amount=Decimal("500.00"), description="Visit", content_type=content_type_of(upcoming),
                               object_id=upcoming.pk, status=Payment.Status.PAID, paid_at=timezone.now())
    conversation, _ = Conversation.objects.get_or_create(patient=patient, doctor=doctor_membership.user)
    for _ in range(copies):
        MessageFactory(conversation=conversation, sender=doctor_membership.user)


def _shortcuts(html: str) -> dict[str, tuple[str, int]]:
    found = re.findall(r'href="([^"]+)" data-shortcut="(\w+)">.*?data-count="(\d+)"', html, re.S)
    return {key: (url.replace("&amp;", "&"), int(count)) for url, key, count in found}


def test_patient_home_has_a_shortcut_with_a_count_for_each_part_of_their_health(patient, doctor_membership,
                                                                                 client_for):
    _patient_history(patient, doctor_membership)
    page = client_for(patient).get(reverse("me:home")).content.decode()

    assert _shortcuts(page) == {
        "appointments": ("/me/appointments/", 1), "prescriptions": ("/me/records/?kind=prescription", 1),
        "records": ("/me/records/", 1), "payments": ("/me/payments/", 1), "messages": ("/chat/", 1),
    }
    assert "1 upcoming" in page and "1 unread" in page and 'data-testid="next-appointment"' in page


def test_patient_home_queries_stay_flat_as_history_grows(patient, doctor_membership, client_for):
    client = client_for(patient)
    _patient_history(patient, doctor_membership)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("me:home"))
    _patient_history(patient, doctor_membership, copies=6, first_day=1)
    with CaptureQueriesContext(connection) as large:
        page = client.get(reverse("me:home")).content.decode()
    assert len(large) == len(small) <= 15
    assert _shortcuts(page)["prescriptions"][1] == 7


def test_receptionist_lands_on_the_reception_board(receptionist, hospital, client_for):
    response = client_for(receptionist).get(reverse("manage:dashboard", args=[hospital.slug]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("desk:reception", args=[hospital.slug])
    assert 'data-testid="desk-counts"' in response.content.decode()


def test_a_receptionist_who_is_also_admin_keeps_the_overview_with_the_day_counts(receptionist, hospital, client_for):
    MembershipFactory(hospital=hospital, role="admin", user=receptionist)
    response = client_for(receptionist).get(reverse("manage:dashboard", args=[hospital.slug]))
    assert response.status_code == 200 and 'data-testid="reception-today"' in response.content.decode()


def test_doctor_home_shows_the_day_whats_next_recent_patients_drafts_and_unread_messages(
        doctor_membership, doctor, hospital, client_for):
    today = local_now(hospital).date()
    waiting = PatientFactory(full_name="Jamal Uddin")
    AppointmentFactory(membership=doctor_membership, patient=waiting, date=today, status="confirmed", token_number=1)
    AppointmentFactory(membership=doctor_membership, patient=PatientFactory(full_name="Selina Parvin"),
                       date=today + timedelta(days=1), start_time=time(10, 0), end_time=time(10, 15))
    seen = PatientFactory(full_name="Mokbul Hossain")
    AppointmentFactory(membership=doctor_membership, patient=seen, date=today - timedelta(days=1),
                       status="completed", token_number=1)
    PrescriptionFactory(membership=doctor_membership, patient=seen)
    MessageFactory(conversation=ConversationFactory(patient=PatientFactory(full_name="Rina Das"), doctor=doctor))

    page = client_for(doctor).get(reverse("manage:dashboard", args=[hospital.slug])).content.decode()

    def panel(testid):  # the page from this panel's marker to the next one
        assert f'data-testid="{testid}"' in page, testid
        return page.split(f'data-testid="{testid}"', 1)[1].split("data-testid=", 1)[0]

    assert "Jamal Uddin" in panel("doctor-today")
    assert "Selina Parvin" in panel("doctor-upcoming")
    assert "Mokbul Hossain" in panel("doctor-recent-patients")
    assert "Mokbul Hossain" in panel("doctor-drafts")
    assert "Rina Das" in panel("unread-messages")


def test_lab_workers_start_on_the_lab_desk(hospital, client_for):
    user = MembershipFactory(hospital=hospital, role="lab_worker").user
    response = client_for(user).get(reverse("manage:dashboard", args=[hospital.slug]), follow=True)
    assert response.redirect_chain[-1][0] == f"/manage/{hospital.slug}/lab/"
    assert 'data-testid="lab-desk-counts"' in response.content.decode()


def test_pharmacists_home_shows_the_pharmacy_desks_figures(hospital, client_for):
    user = MembershipFactory(hospital=hospital, role="pharmacist").user
    page = client_for(user).get(reverse("manage:dashboard", args=[hospital.slug])).content.decode()
    assert 'data-testid="pharmacy-panel"' in page and "Orders to prepare" in page
    assert f'href="{reverse("pharmacy_desk:desk", args=[hospital.slug])}"' in page
    assert "Your pharmacy desk is on its way" not in page


def test_doctor_home_queries_stay_flat_as_the_practice_grows(doctor_membership, doctor, hospital, client_for):
    client = client_for(doctor)
    url = reverse("manage:dashboard", args=[hospital.slug])
    today = local_now(hospital).date()

    def practice(days):
        for day in days:
            patient = PatientFactory()
            AppointmentFactory(membership=doctor_membership, patient=patient, date=today + timedelta(days=day))
            AppointmentFactory(membership=doctor_membership, patient=patient, date=today - timedelta(days=day),
                               status="completed", token_number=1)
            PrescriptionFactory(membership=doctor_membership, patient=patient)
            MessageFactory(conversation=ConversationFactory(patient=patient, doctor=doctor))

    client.get(url)  # the first staff page starts the idle clock (a session write); count what follows
    practice(range(1, 2))
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    practice(range(2, 12))
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    # 15, plus one query for each doctor panel an app above appointments contributes (labs' critical results).
    above = [p for p in panels_for({"doctor"}) if not p.template.startswith(("appointments/", "records/", "chat/",
                                                                             "hospitals/"))]
    assert len(large) == len(small) <= 15 + len(above)
