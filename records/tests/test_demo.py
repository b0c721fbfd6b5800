import pytest

from hospitals.demo import seed
from records.models import AccessLog, MedicalDocument, Prescription
from records.services import verify_access_log

pytestmark = pytest.mark.django_db


def test_demo_gives_patients_prescriptions_uploads_and_an_access_log_once(seeded_demo):
    counts = (Prescription.objects.count(), MedicalDocument.objects.count(), AccessLog.objects.count())

    seed()

    assert (Prescription.objects.count(), MedicalDocument.objects.count(), AccessLog.objects.count()) == counts
    assert Prescription.objects.filter(status="issued").count() >= 3
    assert Prescription.objects.filter(status="superseded", correction__status="issued").exists()
    assert Prescription.objects.filter(advice__contains="পানি").exists()
    assert {d.file_kind for d in MedicalDocument.objects.all()} == {"pdf", "png"}
    assert all(d.file.storage.exists(d.file.name) for d in MedicalDocument.objects.all())
    assert counts[2] > 0 and verify_access_log() == (counts[2], None)
