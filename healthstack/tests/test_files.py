import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from healthstack.files import CERTIFICATE_KINDS, DOCUMENT_KINDS, check_upload


def jpeg_with_gps():
    image = Image.new("RGB", (20, 20), "green")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    gps = {1: "N", 2: (23.0, 48.0, 0.0), 3: "E", 4: (90.0, 24.0, 0.0)}
    exif[0x8825] = gps
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def test_jpeg_gps_exif_is_removed():
    raw = jpeg_with_gps()
    with Image.open(io.BytesIO(raw)) as original:
        assert original.getexif().get_ifd(0x8825)
    checked = check_upload(SimpleUploadedFile("holiday.jpg", raw), allowed=DOCUMENT_KINDS, max_mb=5)
    assert checked.kind == "jpeg"
    with Image.open(io.BytesIO(checked.content.read())) as stored:
        assert not stored.getexif()
    assert checked.content.name.endswith(".jpg") and "holiday" not in checked.content.name


@pytest.mark.parametrize("name,content,allowed,kind", [
    ("report.pdf", b"%PDF-1.7\n%%EOF", DOCUMENT_KINDS, "pdf"),
    ("notes.docx", docx_bytes(), DOCUMENT_KINDS, "docx"),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, DOCUMENT_KINDS, "doc"),
    ("scan", b"%PDF-1.4 no extension", CERTIFICATE_KINDS, "pdf"),
])
def test_kinds_detected_by_content(name, content, allowed, kind):
    assert check_upload(SimpleUploadedFile(name, content), allowed=allowed, max_mb=5).kind == kind


@pytest.mark.parametrize("name,content,message", [
    ("setup.pdf", b"MZ\x90\x00\x03" + b"\x00" * 64, "not an accepted type"),
    ("image.docx", None, "not an accepted type"),
    ("empty.pdf", b"", "empty"),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "damaged"),
    ("fake.zip.docx", b"PK\x03\x04" + b"\x00" * 30, "not an accepted type"),
])
def test_bad_files_refused(name, content, message):
    if content is None:
        buffer = io.BytesIO()
        Image.new("RGB", (5, 5)).save(buffer, format="PNG")
        content = buffer.getvalue()
        allowed = frozenset({"pdf", "docx"})
    else:
        allowed = DOCUMENT_KINDS
    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile(name, content), allowed=allowed, max_mb=5)
    assert message in error.value.messages[0]


def test_size_limit():
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        check_upload(big, allowed=DOCUMENT_KINDS, max_mb=1)


def test_path_traversal_name_never_reaches_disk():
    checked = check_upload(SimpleUploadedFile("../../etc/passwd.pdf", b"%PDF-1.4"), allowed=DOCUMENT_KINDS, max_mb=5)
    assert "/" not in checked.content.name and ".." not in checked.content.name
    assert checked.original_name == "passwd.pdf"


@pytest.mark.django_db
def test_healthz(client):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
