"""Prescriptions: draft → issued → superseded, bad input refused, and the PDF's text."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader

from healthstack.models import DocumentCode
from healthstack.status import locked
from notifications.models import Notification
from records import services
from records.models import InvalidTransition, Prescription, PrescriptionItem
from records.pdf import prescription_pdf

from .factories import PrescriptionFactory, PrescriptionItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(visit, doctor_membership, patient):
    prescription = PrescriptionFactory(membership=doctor_membership, patient=patient, appointment=visit)
    PrescriptionItemFactory(prescription=prescription, medicine_name="Amlodipine", strength="5 mg")
    PrescriptionItemFactory(prescription=prescription, medicine_name="Napa", strength="500 mg", frequency="1+1+1")
    return prescription


def test_issue_gives_a_code_and_tells_the_patient(draft, doctor, patient):
    issued = services.issue_prescription(prescription=draft, by=doctor)
    assert issued.status == "issued" and issued.issued_at and issued.document_code.status == "valid"
    assert issued.document_code.patient_initials == "A.R." and issued.document_code.kind == "prescription"
    notification = Notification.objects.get(user=patient, event="prescription_issued")
    assert "New prescription from Dr. Kamal Hossain" == notification.title
    assert notification.url == f"/me/records/prescriptions/{issued.pk}/"


def test_a_prescription_without_medicines_cannot_be_issued(visit, doctor_membership, patient, doctor):
    empty = PrescriptionFactory(membership=doctor_membership, patient=patient)
    with pytest.raises(services.RecordsError, match="at least one medicine"):
        services.issue_prescription(prescription=empty, by=doctor)
    empty.refresh_from_db()
    assert empty.status == "draft" and not DocumentCode.objects.exists()


def test_an_issued_prescription_cannot_be_issued_again_or_changed(draft, doctor):
    issued = services.issue_prescription(prescription=draft, by=doctor)
    with pytest.raises(InvalidTransition):
        services.issue_prescription(prescription=issued, by=doctor)
    with pytest.raises(services.RecordsError, match="never changes"):
        services.update_prescription(prescription=issued, items=[], diagnosis="changed")
    with pytest.raises(services.RecordsError):
        services.discard_prescription(prescription=issued)
    issued.refresh_from_db()
    assert issued.diagnosis == "Essential hypertension" and issued.items.count() == 2


def test_a_draft_cannot_become_superseded(draft, doctor):
    with pytest.raises(InvalidTransition), transaction.atomic():
        locked(draft).transition_to(Prescription.Status.SUPERSEDED, by=doctor)


def test_correction_supersedes_the_old_version_and_both_stay(draft, doctor, doctor_membership, patient, client):
    old = services.issue_prescription(prescription=draft, by=doctor)
    correction = services.start_correction(prescription=old, membership=doctor_membership)
    assert services.start_correction(prescription=old, membership=doctor_membership) == correction
    assert correction.version == 2 and correction.status == "draft" and correction.supersedes == old
    assert list(correction.items.values_list("medicine_name", flat=True)) == ["Amlodipine", "Napa"]
    old.refresh_from_db()
    assert old.status == "issued"  # still valid until the correction is issued
    items = [{"medicine_name": "Amlodipine", "strength": "10 mg", "dose": "1 tablet"}]
    services.update_prescription(prescription=correction, items=items, diagnosis="Hypertension, stage 2")
    new = services.issue_prescription(prescription=correction, by=doctor)
    old.refresh_from_db()
    old.document_code.refresh_from_db()
    assert old.status == "superseded" and old.document_code.status == "superseded"
    assert old.document_code.superseded_by == new.document_code
    assert set(Prescription.objects.for_patient(patient).visible_to_patient()) == {old, new}
    verify_old = client.get(f"/verify/{old.document_code.code}/").content.decode()
    assert "superseded" in verify_old.lower() and "hypertension" not in verify_old.lower()
    assert "Corrected prescription" in Notification.objects.filter(user=patient).latest("pk").title
    with pytest.raises(services.RecordsError, match="current issued version"):
        services.start_correction(prescription=old, membership=doctor_membership)


def test_only_the_author_corrects(draft, doctor, other_doctor_membership):
    issued = services.issue_prescription(prescription=draft, by=doctor)
    with pytest.raises(services.RecordsError, match="Only the doctor who wrote"):
        services.start_correction(prescription=issued, membership=other_doctor_membership)


def test_create_needs_a_care_relationship(doctor_membership, patient):
    with pytest.raises(services.RecordAccessDenied):
        services.create_prescription(membership=doctor_membership, patient=patient, items=[])


def _form_data(**overrides):
    data = {
        "diagnosis": "Viral fever", "advice": "Rest and fluids.", "recommended_tests": "CBC",
        "follow_up_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "items-TOTAL_FORMS": "3", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "30",
        "items-0-medicine_name": "Napa", "items-0-strength": "500 mg", "items-0-dose": "1 tablet",
        "items-0-frequency": "1+1+1", "items-0-duration": "5 days", "items-0-instructions": "After meals",
        "items-1-medicine_name": "Removed row", "items-1-dose": "1", "items-1-DELETE": "on",
        "items-2-medicine_name": "Fexo", "items-2-strength": "120 mg", "items-2-dose": "1 tablet",
    }
    data.update(overrides)
    return data


def _new_url(hospital, patient, visit):
    return f"/manage/{hospital.slug}/prescriptions/new/?patient={patient.pk}&appointment={visit.pk}"


def test_doctor_saves_a_draft_then_issues_it(visit, hospital, patient, doctor, client_for):
    client = client_for(doctor)
    response = client.post(_new_url(hospital, patient, visit), _form_data())
    prescription = Prescription.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/prescriptions/{prescription.pk}/")
    assert prescription.status == "draft" and prescription.appointment == visit and prescription.hospital == hospital
    assert list(prescription.items.values_list("medicine_name", flat=True)) == ["Napa", "Fexo"]
    client.post(f"/manage/{hospital.slug}/prescriptions/{prescription.pk}/issue/")
    prescription.refresh_from_db()
    assert prescription.status == "issued"


def test_save_and_issue_in_one_step(visit, hospital, patient, doctor, client_for):
    client_for(doctor).post(_new_url(hospital, patient, visit), _form_data(issue="1"))
    assert Prescription.objects.get().status == "issued"


def test_save_and_issue_without_medicines_keeps_a_draft_with_a_clear_message(visit, hospital, patient, doctor, client_for):
    data = _form_data(issue="1", **{"items-TOTAL_FORMS": "0"})
    response = client_for(doctor).post(_new_url(hospital, patient, visit), data, follow=True)
    assert "Add at least one medicine before issuing" in response.content.decode()
    assert Prescription.objects.get().status == "draft"


def test_a_huge_dose_is_refused_and_nothing_is_saved(visit, hospital, patient, doctor, client_for):
    response = client_for(doctor).post(_new_url(hospital, patient, visit), _form_data(**{"items-0-dose": "x" * 10_000}))
    assert response.status_code == 200
    assert "Ensure this value has at most 80 characters (it has 10000)." in response.content.decode()
    assert not Prescription.objects.exists() and not PrescriptionItem.objects.exists()


def test_editing_an_issued_prescription_is_refused(draft, hospital, doctor, client_for):
    issued = services.issue_prescription(prescription=draft, by=doctor)
    url = f"/manage/{hospital.slug}/prescriptions/{issued.pk}/edit/"
    response = client_for(doctor).post(url, _form_data(diagnosis="Rewritten"), follow=True)
    assert "never changes" in response.content.decode()
    issued.refresh_from_db()
    assert issued.diagnosis == "Essential hypertension"


def test_another_doctors_appointment_is_a_404(visit, other_visit, hospital, patient, doctor, client_for):
    url = f"/manage/{hospital.slug}/prescriptions/new/?patient={patient.pk}&appointment={other_visit.pk}"
    assert client_for(doctor).get(url).status_code == 404


def test_correct_from_the_page_opens_a_new_version(draft, hospital, doctor, client_for):
    issued = services.issue_prescription(prescription=draft, by=doctor)
    response = client_for(doctor).post(f"/manage/{hospital.slug}/prescriptions/{issued.pk}/correct/")
    correction = Prescription.objects.get(supersedes=issued)
    assert response["Location"].endswith(f"/prescriptions/{correction.pk}/edit/")


def _pdf_text(prescription) -> str:
    reader = PdfReader(io.BytesIO(prescription_pdf(prescription)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_carries_everything_the_pharmacy_needs(draft, doctor, patient, hospital):
    profile = patient.patient_profile
    profile.date_of_birth, profile.sex = date(1990, 1, 15), "female"
    profile.save()
    draft.follow_up_date = date(2030, 6, 1)
    draft.save()
    issued = services.issue_prescription(prescription=draft, by=doctor)
    text = _pdf_text(issued)
    doctor_profile = doctor.doctor_profile
    for expected in [hospital.name, "Dr. Kamal Hossain", doctor_profile.qualifications,
                     doctor_profile.registration_number, "Ayesha Rahman", f"Age {profile.age} years", "Female",
                     "Amlodipine", "Napa", "1+1+1", "Less salt", "1 June 2030", issued.document_code.code,
                     f"/verify/{issued.document_code.code}/"]:
        assert expected in text, expected


def test_pdf_of_a_superseded_version_says_so(draft, doctor, doctor_membership):
    old = services.issue_prescription(prescription=draft, by=doctor)
    services.issue_prescription(prescription=services.start_correction(prescription=old, membership=doctor_membership),
                                by=doctor)
    old.refresh_from_db()
    assert "SUPERSEDED" in _pdf_text(old)


def test_pdf_renders_bengali_names_and_advice(visit, doctor_membership, doctor, patient, client_for):
    patient.full_name = "আয়েশা রহমান"
    patient.save()
    prescription = PrescriptionFactory(membership=doctor_membership, patient=patient,
                                       advice="প্রচুর পানি পান করুন। Drink plenty of water.")
    PrescriptionItemFactory(prescription=prescription, medicine_name="নাপা", instructions="খাবারের পরে")
    issued = services.issue_prescription(prescription=prescription, by=doctor)
    response = client_for(patient).get(f"/me/records/prescriptions/{issued.pk}/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    fonts = {str(font.get("/BaseFont", "")) for page in reader.pages
             for font in page["/Resources"]["/Font"].values() for font in [font.get_object()]}
    assert any("NotoSansBengali" in name for name in fonts), fonts
    text = reader.pages[0].extract_text()
    assert "Drink plenty of water." in text
    for word in ["রহমান", "পানি"]:
        assert all(char in text for char in word if char.isalpha()), word


def test_pdf_is_named_and_dated_with_the_issue_day_at_the_hospital(draft, doctor, patient, client_for, settings):
    # A server kept in UTC; issued at 01:18 on 30 November in Dhaka, which is still 29 November in UTC.
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(datetime(2026, 11, 29, 19, 18, tzinfo=UTC), tick=False):
        issued = services.issue_prescription(prescription=draft, by=doctor)
    response = client_for(patient).get(f"/me/records/prescriptions/{issued.pk}/pdf/")
    assert f'filename="prescription-2026-11-30-{issued.pk}-v1.pdf"' in response["Content-Disposition"]
    text = _pdf_text(issued)
    assert f"Prescription no. {issued.number}\n30 November 2026, 01:18" in text and "Issued 30 November 2026, 01:18" in text
