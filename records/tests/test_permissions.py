from datetime import date

import pytest

from appointments.tests.factories import AppointmentFactory
from records.permissions import can_view_item, can_view_record, has_care_relationship, record_scope

from .factories import MedicalDocumentFactory, PrescriptionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status, related", [
    ("requested", False), ("confirmed", True), ("completed", True), ("no_show", True), ("rejected", False),
    ("cancelled", False), ("awaiting_payment", False), ("expired", False),
])
def test_care_relationship_by_appointment_status(doctor_membership, patient, status, related):
    AppointmentFactory(membership=doctor_membership, patient=patient, date=date(2025, 1, 5), status=status)
    assert has_care_relationship(doctor_membership.user, patient) is related


def test_care_relationship_needs_an_approved_membership(visit, doctor, patient):
    visit.membership.status = "suspended"
    visit.membership.save()
    assert not has_care_relationship(doctor, patient)


def test_patient_sees_own_record(patient):
    assert can_view_record(patient, patient)
    assert record_scope(patient, patient).all_hospitals


def test_doctor_without_care_relationship_sees_nothing(doctor, patient):
    assert not can_view_record(doctor, patient)


def test_doctor_must_work_at_the_hospital_of_the_request(visit, doctor, patient, other_hospital):
    assert can_view_record(doctor, patient)
    assert not can_view_record(doctor, patient, hospital=other_hospital)


def test_consent_on_shows_every_hospital(visit, other_visit, doctor, patient, other_hospital, other_doctor_membership):
    elsewhere = PrescriptionFactory(membership=other_doctor_membership, patient=patient)
    upload = MedicalDocumentFactory(patient=patient)
    assert can_view_item(doctor, elsewhere)
    assert can_view_item(doctor, upload)


def test_consent_off_shows_only_own_hospitals(visit, other_visit, doctor, patient, other_doctor_membership):
    patient.patient_profile.sharing_consent = False
    patient.patient_profile.save()
    mine = PrescriptionFactory(membership=visit.membership, patient=patient)
    elsewhere = PrescriptionFactory(membership=other_doctor_membership, patient=patient)
    upload = MedicalDocumentFactory(patient=patient)
    scope = record_scope(doctor, patient)
    assert not scope.all_hospitals and scope.hospital_ids == {visit.hospital_id}
    assert can_view_item(doctor, mine)
    assert not can_view_item(doctor, elsewhere)
    assert not can_view_item(doctor, upload)
    assert can_view_item(patient, elsewhere) and can_view_item(patient, upload)


@pytest.mark.parametrize("role", ["receptionist", "lab_worker", "pharmacist", "admin"])
def test_other_staff_see_no_clinical_data(role, visit, patient, request):
    fixture = {"admin": "hospital_admin"}.get(role, role)
    staff = request.getfixturevalue(fixture)
    assert not can_view_record(staff, patient)


def test_anonymous_sees_nothing(patient):
    from django.contrib.auth.models import AnonymousUser

    assert not can_view_record(AnonymousUser(), patient)
