"""Two prescriptions of one day are told apart wherever they are named: each by its number and its
time at the hospital that issued it (here Asia/Kathmandu, neither UTC nor the server's Asia/Dhaka)."""

import io
import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from pypdf import PdfReader

from records import services
from records.models import AccessLog
from records.pdf import prescription_pdf

from .factories import PrescriptionFactory, PrescriptionItemFactory

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)  # 09:45 on 4 Dec in Kathmandu
NIGHT = datetime(2026, 12, 4, 18, 10, tzinfo=UTC)  # 23:55 on 4 Dec in Kathmandu, already 5 Dec in Dhaka


@pytest.fixture
def same_day(visit, hospital, doctor_membership, patient, doctor):
    """Two prescriptions issued at ``visit`` on 4 Dec 2026 (Kathmandu time): (morning, night)."""
    hospital.time_zone = "Asia/Kathmandu"
    hospital.save(update_fields=["time_zone"])
    issued = []
    for when, medicine in ((MORNING, "Amlodipine"), (NIGHT, "Napa")):
        draft = PrescriptionFactory(membership=doctor_membership, patient=patient, appointment=visit)
        PrescriptionItemFactory(prescription=draft, medicine_name=medicine)
        issued.append(services.issue_prescription(prescription=draft, by=doctor, now=when))
    return issued


def _titles(same_day):
    morning, night = same_day
    return (f"Prescription {morning.number} of 4 Dec 2026, 09:45", f"Prescription {night.number} of 4 Dec 2026, 23:55")


def test_each_prescription_has_a_number_and_a_title_with_its_local_time(same_day):
    morning, night = same_day
    assert re.fullmatch(r"RX-\d{6}", morning.number) and morning.number != night.number
    assert (morning.title, night.title) == _titles(same_day)


def test_the_patients_timeline_tells_them_apart_on_the_hospitals_day(same_day, patient, client_for):
    page = client_for(patient).get(reverse("records:mine")).content.decode()
    for title in _titles(same_day):
        assert title in page
    assert "5 Dec 2026" not in page  # 23:55 in Kathmandu is 4 Dec there, whatever the server's zone


def test_the_doctors_view_of_the_record_tells_them_apart(same_day, hospital, patient, doctor, client_for):
    page = client_for(doctor).get(reverse("clinical:patient", args=[hospital.slug, patient.pk])).content.decode()
    for title in _titles(same_day):
        assert title in page


def test_the_prescription_page_is_titled_by_its_number_and_time(same_day, patient, hospital, doctor, client_for):
    for prescription, title in zip(same_day, _titles(same_day), strict=True):
        for client, url in ((client_for(patient), reverse("records:prescription", args=[prescription.pk])),
                            (client_for(doctor), reverse("clinical:prescription",
                                                         args=[hospital.slug, prescription.pk]))):
            page = client.get(url).content.decode()
            assert f"<title>{title}" in page and re.search(rf"<h1[^>]*>\s*{re.escape(title)}", page)


def test_the_visit_page_lists_both_apart(same_day, visit, patient, client_for):
    page = client_for(patient).get(reverse("appointments:detail", args=[visit.pk])).content.decode()
    for title in _titles(same_day):
        assert title in page


def test_the_pdf_carries_the_number_and_the_local_time(same_day):
    for prescription in same_day:
        reader = PdfReader(io.BytesIO(prescription_pdf(prescription)))
        text = reader.pages[0].extract_text()
        when = "4 December 2026, 09:45" if prescription == same_day[0] else "4 December 2026, 23:55"
        assert f"Prescription no. {prescription.number}\n{when}" in text
        assert reader.metadata.title == prescription.title


def test_the_access_log_names_which_one_was_read(same_day, hospital, doctor, client_for):
    client = client_for(doctor)
    for prescription in same_day:
        client.get(reverse("clinical:prescription", args=[hospital.slug, prescription.pk]))
    labels = list(AccessLog.objects.filter(object_type="prescription").order_by("sequence")
                  .values_list("label", flat=True))
    morning, night = same_day
    assert labels == [f"Prescription {morning.number} of 04 Dec 2026 09:45",
                      f"Prescription {night.number} of 04 Dec 2026 23:55"]


def test_the_doctors_unfinished_drafts_are_told_apart(visit, doctor_membership, patient, doctor, hospital, client_for):
    drafts = [PrescriptionFactory(membership=doctor_membership, patient=patient, appointment=visit) for _ in range(2)]
    page = client_for(doctor).get(reverse("manage:dashboard", args=[hospital.slug]), follow=True).content.decode()
    for draft in drafts:
        assert f"{draft.number}, draft of " in page
