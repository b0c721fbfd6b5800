"""Staff read a record only through what the read services return: narrowed by consent, logged once."""

import pytest

from records import services
from records.models import AccessLog
from records.selectors import prescriptions_readable_by

from .factories import MedicalDocumentFactory, PrescriptionFactory, PrescriptionItemFactory

pytestmark = pytest.mark.django_db

OTHER = "Riverside Medical College Hospital"


def _consent(patient, on: bool):
    patient.patient_profile.sharing_consent = on
    patient.patient_profile.save()


@pytest.fixture
def edits(visit, other_visit, patient, doctor, hospital, other_doctor, other_hospital):
    """The doctor here writes the clinical profile first; the doctor at the other hospital edits it after."""
    services.update_clinical_profile(patient=patient, by=doctor, hospital=hospital,
                                     allergies="Aspirin", chronic_conditions="Asthma")
    services.update_clinical_profile(patient=patient, by=other_doctor, hospital=other_hospital,
                                     allergies="Penicillin", chronic_conditions="Type 2 diabetes")


def _record_page(client_for, doctor, hospital, patient):
    return client_for(doctor).get(f"/manage/{hospital.slug}/patients/{patient.pk}/").content.decode()


def test_consent_off_hides_other_hospitals_clinical_profile_edits_and_history(edits, doctor, hospital, patient,
                                                                              client_for):
    _consent(patient, False)
    page = _record_page(client_for, doctor, hospital, patient)
    assert "Aspirin" in page and "Asthma" in page  # what this hospital recorded
    assert "Penicillin" not in page and "Type 2 diabetes" not in page
    assert OTHER not in page and "Farida Yasmin" not in page  # no other hospital's edit in the history
    form = client_for(doctor).get(f"/manage/{hospital.slug}/prescriptions/new/?patient={patient.pk}")
    assert "Aspirin" in form.content.decode() and "Penicillin" not in form.content.decode()


def test_consent_on_shows_every_hospitals_clinical_profile_and_history(edits, doctor, hospital, patient, client_for):
    page = _record_page(client_for, doctor, hospital, patient)
    assert "Penicillin" in page and "Type 2 diabetes" in page
    assert f"Farida Yasmin at {OTHER}" in page and "Kamal Hossain at Green Life Hospital" in page


def test_consent_off_doctor_without_own_edits_sees_no_clinical_profile(visit, other_visit, patient, other_doctor,
                                                                       other_hospital, doctor, hospital, client_for):
    services.update_clinical_profile(patient=patient, by=doctor, hospital=hospital, allergies="Aspirin",
                                     chronic_conditions="")
    _consent(patient, False)
    page = _record_page(client_for, other_doctor, other_hospital, patient)
    assert "Aspirin" not in page and "Green Life Hospital" not in page and "Edit history" not in page


def test_patient_sees_their_whole_clinical_profile_and_its_history(edits, patient, client_for):
    _consent(patient, False)  # consent narrows doctors, never the patient
    page = client_for(patient).get("/me/records/").content.decode()
    assert "Penicillin" in page and "Type 2 diabetes" in page
    assert "Aspirin" in page and "Asthma" in page  # the earlier edit, in the history
    assert f"Farida Yasmin at {OTHER}" in page and "Kamal Hossain at Green Life Hospital" in page
    assert not AccessLog.objects.exists()


def test_read_patient_record_returns_scoped_querysets_and_logs_once(visit, other_visit, patient, doctor, hospital,
                                                                     doctor_membership, other_doctor_membership):
    here = PrescriptionFactory(membership=doctor_membership, patient=patient)
    there = PrescriptionFactory(membership=other_doctor_membership, patient=patient)
    upload = MedicalDocumentFactory(patient=patient)
    _consent(patient, False)

    record = services.read_patient_record(reader=doctor, patient=patient, hospital=hospital)

    assert list(record.prescriptions) == [here] and list(record.documents) == []
    assert AccessLog.objects.for_patient(patient).count() == 1
    _consent(patient, True)
    record = services.read_patient_record(reader=doctor, patient=patient, hospital=hospital)
    assert set(record.prescriptions) == {here, there} and list(record.documents) == [upload]
    assert AccessLog.objects.for_patient(patient).count() == 2


def test_readable_prescriptions_follow_each_patients_consent(visit, other_visit, patient, doctor,
                                                             doctor_membership, other_doctor_membership):
    draft_here = PrescriptionFactory(membership=doctor_membership, patient=patient)
    there = PrescriptionFactory(membership=other_doctor_membership, patient=patient)
    PrescriptionItemFactory(prescription=there)
    there = services.issue_prescription(prescription=there, by=other_doctor_membership.user)
    assert list(prescriptions_readable_by(doctor)) == [there]  # another doctor's drafts are never readable
    here = draft_here
    assert set(prescriptions_readable_by(doctor, draft_author=doctor_membership)) == {here, there}
    _consent(patient, False)
    assert list(prescriptions_readable_by(doctor, draft_author=doctor_membership)) == [here]


def test_hidden_item_read_is_refused_and_not_logged(visit, other_visit, patient, doctor, hospital,
                                                    other_doctor_membership):
    there = PrescriptionFactory(membership=other_doctor_membership, patient=patient)
    _consent(patient, False)
    with pytest.raises(services.RecordAccessDenied):
        services.read_record_item(reader=doctor, hospital=hospital, items=prescriptions_readable_by(doctor),
                                  pk=there.pk, object_type=AccessLog.ObjectType.PRESCRIPTION)
    assert not AccessLog.objects.exists()
