"""Every prescription status pair, and the history issuing and correcting leave (who, from, to)."""

import pytest
from django.utils import timezone

from healthstack.testing import check_transition, transition_matrix
from healthstack.verification import issue_document_code
from records import services
from records.models import Prescription

from .factories import PrescriptionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("from_status", "to_status", "allowed"), transition_matrix(Prescription))
def test_prescription_transition(from_status, to_status, allowed, doctor_membership, patient, doctor):
    # Given a code and a date from the start, any status satisfies the "issued has a code" constraint.
    code = issue_document_code(kind="prescription", hospital_name="H", patient_name="A R")
    prescription = PrescriptionFactory(membership=doctor_membership, patient=patient, status=from_status,
                                       issued_at=timezone.now(), document_code=code)
    check_transition(prescription, to_status, allowed, by=doctor, history=lambda row: row.status_changes.all())


def test_prescription_history_names_who_drafted_issued_and_corrected(visit, doctor_membership, patient, doctor):
    draft = services.create_prescription(membership=doctor_membership, patient=patient, items=[
        {"medicine_name": "Napa", "dose": "1 tablet"}], diagnosis="Fever")
    first = services.issue_prescription(prescription=draft, by=doctor)
    correction = services.start_correction(prescription=first, membership=doctor_membership)
    services.issue_prescription(prescription=correction, by=doctor)

    def moves(prescription):
        return list(prescription.status_changes.values_list("from_status", "to_status", "by"))

    assert moves(first) == [
        ("", "draft", doctor.pk), ("draft", "issued", doctor.pk), ("issued", "superseded", doctor.pk),
    ]
    assert moves(correction) == [("", "draft", doctor.pk), ("draft", "issued", doctor.pk)]
    assert first.status_changes.last().hospital_id == doctor_membership.hospital_id
