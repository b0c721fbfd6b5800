"""A completed visit's page links what the visit left behind: the prescription written at it and the receipt."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.tests.factories import AppointmentFactory
from healthstack.verification import issue_document_code
from payments.models import Payment, content_type_of
from records import services as records
from records.tests.factories import PrescriptionFactory, PrescriptionItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(doctor_membership, patient):
    return AppointmentFactory(membership=doctor_membership, patient=patient, date=date(2025, 3, 2),
                              status="completed", token_number=1, fee=Decimal("500.00"))


@pytest.fixture
def prescription(visit, doctor_membership, patient, doctor):
    draft = PrescriptionFactory(membership=doctor_membership, patient=patient, appointment=visit)
    PrescriptionItemFactory(prescription=draft, medicine_name="Amlodipine", strength="5 mg")
    return records.issue_prescription(prescription=draft, by=doctor)


@pytest.fixture
def paid(visit, patient):
    return Payment.objects.create(
        tran_id="HS-VISIT-1", payer=patient, hospital=visit.hospital, amount=Decimal("500.00"), description="Visit",
        status=Payment.Status.PAID, content_type=content_type_of(visit), object_id=visit.pk, paid_at=timezone.now(),
        receipt_code=issue_document_code(kind="receipt", hospital_name=visit.hospital.name, patient_name="Ayesha R"),
    )


def test_patients_completed_visit_links_its_prescription_and_receipt(visit, prescription, paid, patient, client_for):
    client = client_for(patient)
    page = client.get(reverse("appointments:detail", args=[visit.pk])).content.decode()
    assert f'href="{reverse("records:prescription", args=[prescription.pk])}"' in page
    assert f'href="{reverse("payments:receipt", args=[paid.uuid])}"' in page
    assert client.get(reverse("payments:receipt", args=[paid.uuid]))["Content-Type"] == "application/pdf"

