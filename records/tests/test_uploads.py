"""Patients' uploads with real files: kinds told by content, EXIF dropped, stored privately, deleted with the row."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from records.models import MedicalDocument

from .factories import TINY_PDF, MedicalDocumentFactory

pytestmark = pytest.mark.django_db
URL = "/me/records/upload/"
GPS_IFD = 0x8825


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (23.0, 48.0, 10.0), 3: "E", 4: (90.0, 24.0, 5.0)})
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG", exif=exif)
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the fixture really carries GPS
    return data


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 140)).save(buffer, "PNG")
    return buffer.getvalue()


def post(client, name: str, content: bytes, content_type="application/octet-stream", **fields):
    data = {"title": "Old report", "category": "report", "document_date": "2024-02-10", "source_name": "City Clinic",
            **fields, "file": SimpleUploadedFile(name, content, content_type=content_type)}
    return client.post(URL, data)


def stored_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT) / "records"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_jpeg_is_stored_without_its_gps_exif(patient, client_for):
    response = post(client_for(patient), "holiday.jpg", jpeg_with_gps(), "image/jpeg")
    assert response.status_code == 302
    document = MedicalDocument.objects.get(patient=patient)
    assert document.file_kind == "jpeg" and document.original_name == "holiday.jpg"
    with document.file.open("rb") as stored:
        data = stored.read()
    assert b"SecretPhoneMaker" not in data
    exif = Image.open(io.BytesIO(data)).getexif()
    assert not exif.get_ifd(GPS_IFD) and not dict(exif)


def test_pdf_upload_is_private_and_served_only_as_an_attachment(patient, client_for):
    client = client_for(patient)
    assert post(client, "report.pdf", TINY_PDF, "application/pdf").status_code == 302
    document = MedicalDocument.objects.get(patient=patient)
    assert Path(document.file.path).is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
    with pytest.raises(ValueError):
        document.file.url  # no public URL exists
    response = client.get(f"/me/records/documents/{document.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == TINY_PDF
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("name, content, message", [
    ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "not an accepted type"),
    ("empty.pdf", b"", "empty"),
    ("notes.docx", b"PK\x03\x04 not really a zip", "not an accepted type"),
    ("script.pdf", b"<script>alert(1)</script>", "not an accepted type"),
])
def test_bad_files_are_refused_with_a_clear_message(name, content, message, patient, client_for):
    before = stored_files()
    response = post(client_for(patient), name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MedicalDocument.objects.exists() and stored_files() == before


def test_png_renamed_docx_is_told_by_its_content(patient, client_for):
    client = client_for(patient)
    assert post(client, "letter.docx", png_bytes()).status_code == 302
    document = MedicalDocument.objects.get(patient=patient)
    assert document.file_kind == "png" and document.file.name.endswith(".png")
    response = client.get(f"/me/records/documents/{document.pk}/")
    assert response["Content-Type"] == "image/png" and ".png" in response["Content-Disposition"]


def test_file_over_the_limit_is_refused(patient, client_for, settings):
    settings.MEDICAL_UPLOAD_MAX_MB = 1
    before = stored_files()
    response = post(client_for(patient), "big.pdf", TINY_PDF + b"0" * (1024 * 1024))
    assert "larger than 1 MB" in response.content.decode()
    assert not MedicalDocument.objects.exists() and stored_files() == before


def test_path_traversal_name_never_reaches_the_disk(patient, client_for):
    assert post(client_for(patient), "../../../../etc/cron.d/evil.pdf", TINY_PDF).status_code == 302
    document = MedicalDocument.objects.get(patient=patient)
    assert document.original_name == "evil.pdf"
    assert ".." not in document.file.name and "evil" not in document.file.name
    assert Path(document.file.path).resolve().is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert "evil" not in client_for(patient).get(f"/me/records/documents/{document.pk}/")["Content-Disposition"]


def test_future_date_and_missing_title_are_refused(patient, client_for):
    response = post(client_for(patient), "r.pdf", TINY_PDF, title="", document_date="2999-01-01")
    page = response.content.decode()
    assert "This field is required" in page and "cannot be in the future" in page
    assert not MedicalDocument.objects.exists()


def test_patient_deletes_own_upload_and_its_file(patient, client_for, django_capture_on_commit_callbacks):
    document = MedicalDocumentFactory(patient=patient)
    path = Path(document.file.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(patient).post(f"/me/records/documents/{document.pk}/delete/")
    assert response.status_code == 302
    assert not MedicalDocument.objects.filter(pk=document.pk).exists() and not path.exists()


def test_another_patients_document_is_a_404(patient, client_for):
    someone_else = MedicalDocumentFactory()
    client = client_for(patient)
    assert client.get(f"/me/records/documents/{someone_else.pk}/").status_code == 404
    assert client.post(f"/me/records/documents/{someone_else.pk}/delete/").status_code == 404
    assert client.get(f"/me/records/documents/{someone_else.pk}/delete/").status_code == 405
    assert MedicalDocument.objects.filter(pk=someone_else.pk).exists()


def test_sharing_switch_is_a_post_that_flips_consent(patient, client_for):
    client = client_for(patient)
    assert client.get("/me/records/sharing/").status_code == 405
    client.post("/me/records/sharing/", {})
    patient.patient_profile.refresh_from_db()
    assert patient.patient_profile.sharing_consent is False
    client.post("/me/records/sharing/", {"sharing_consent": "on"})
    patient.patient_profile.refresh_from_db()
    assert patient.patient_profile.sharing_consent is True
    assert "Sharing across hospitals" in client.get("/me/records/").content.decode()
