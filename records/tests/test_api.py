"""The patient's record over the JSON API: own prescriptions and uploads, the same checks as the pages."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from accounts.tests.factories import PatientFactory
from healthstack.files import DOCUMENT_KINDS, check_upload
from records import services
from records.models import MedicalDocument
from records.tests.factories import PrescriptionFactory, PrescriptionItemFactory


@pytest.fixture
def api(patient):
    client = APIClient()
    client.force_authenticate(patient)
    return client


def upload(api, name, content, **fields):
    data = {"title": "Blood test", "category": "report", "document_date": "2025-01-10", "source_name": "Lab One",
            "file": SimpleUploadedFile(name, content), **fields}
    return api.post("/api/v1/me/documents/", data, format="multipart")


@pytest.mark.django_db
def test_prescriptions_are_the_patients_issued_ones(api, visit, doctor_membership, doctor, patient):
    issued = PrescriptionFactory(membership=doctor_membership, patient=patient, diagnosis="Hypertension")
    PrescriptionItemFactory(prescription=issued, medicine_name="Amlodipine", dose="1 tablet")
    services.issue_prescription(prescription=issued, by=doctor)
    PrescriptionFactory(membership=doctor_membership, patient=patient, diagnosis="Draft only")
    other = PrescriptionFactory(membership=doctor_membership, patient=PatientFactory())

    listing = api.get("/api/v1/me/prescriptions/").json()["results"]
    assert [p["diagnosis"] for p in listing] == ["Hypertension"]
    assert listing[0]["items"][0]["medicine_name"] == "Amlodipine"
    assert listing[0]["verification_code"] and listing[0]["pdf_url"].endswith("/pdf/")
    assert api.get(f"/api/v1/me/prescriptions/{other.pk}/").status_code == 404


@pytest.mark.django_db
def test_upload_strips_exif_and_lists_and_deletes(api, patient, django_capture_on_commit_callbacks):
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (23.0, 48.0, 0.0)}
    Image.new("RGB", (10, 10), "red").save(buffer, format="JPEG", exif=exif)
    created = upload(api, "scan.jpg", buffer.getvalue())
    assert created.status_code == 201 and created.json()["file_kind"] == "jpeg"
    document = MedicalDocument.objects.get(patient=patient)
    with Image.open(document.file.path) as stored:
        assert not stored.getexif()
    assert [d["title"] for d in api.get("/api/v1/me/documents/").json()["results"]] == ["Blood test"]

    path = document.file.path
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/me/documents/{document.pk}/").status_code == 204
    assert not MedicalDocument.objects.exists()
    assert not os.path.exists(path)


@pytest.mark.django_db
@pytest.mark.parametrize("name,content,fields,field", [
    ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 64, {}, "file"),
    ("empty.pdf", b"", {}, "file"),
    ("ok.pdf", b"%PDF-1.4\n%%EOF", {"document_date": "2999-01-01"}, "document_date"),
    ("ok.pdf", b"%PDF-1.4\n%%EOF", {"title": ""}, "title"),
])
def test_upload_bad_input_is_json_with_field(api, name, content, fields, field):
    response = upload(api, name, content, **fields)
    assert response.status_code == 400 and field in response.json()
    assert not MedicalDocument.objects.exists()


@pytest.mark.django_db
def test_someone_elses_document_is_404(api):
    theirs = PatientFactory()
    document = services.add_medical_document(
        patient=theirs, title="x", category="other", document_date="2024-01-01",
        upload=check_upload(SimpleUploadedFile("a.pdf", b"%PDF-1.4"), allowed=DOCUMENT_KINDS, max_mb=1),
    )
    assert api.delete(f"/api/v1/me/documents/{document.pk}/").status_code == 404
    assert MedicalDocument.objects.filter(pk=document.pk).exists()


@pytest.mark.django_db
def test_anonymous_gets_json_401_or_403():
    response = APIClient().get("/api/v1/me/prescriptions/")
    assert response.status_code in (401, 403) and "detail" in response.json()
