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


SECRET = b"SECRET-where-the-photo-was-taken"


def jpeg_with_comment_xmp_and_icc():
    buffer = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>' + SECRET + b"</rdf:Description></x:xmpmeta>"
    Image.new("RGB", (20, 20), "green").save(buffer, format="JPEG", comment=SECRET, xmp=xmp,
                                             icc_profile=b"ICC-" + SECRET)
    return buffer.getvalue()


def png_with_text_chunks_and_icc():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", SECRET.decode())
    info.add_text("Author", SECRET.decode(), zip=True)
    info.add_itxt("XML:com.adobe.xmp", SECRET.decode())
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 128, 0, 100)).save(buffer, format="PNG", pnginfo=info,
                                                       icc_profile=b"ICC-" + SECRET)
    return buffer.getvalue()


@pytest.mark.parametrize("name,raw", [
    ("photo.jpg", jpeg_with_comment_xmp_and_icc()),
    ("scan.png", png_with_text_chunks_and_icc()),
], ids=["jpeg", "png"])
def test_image_comments_xmp_icc_and_text_chunks_are_removed(name, raw):
    with Image.open(io.BytesIO(raw)) as original:
        assert {"comment", "xmp", "icc_profile"} & set(original.info) or "Comment" in original.info

    stored = check_upload(SimpleUploadedFile(name, raw), allowed=DOCUMENT_KINDS, max_mb=5).content.read()

    assert SECRET not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert set(image.info) <= {"transparency", "jfif", "jfif_version", "jfif_unit", "jfif_density",
                                   "dpi", "progressive", "progression"}, image.info
        assert not image.getexif()
        assert image.size == (20, 20)


def test_png_transparency_survives_the_re_encoding():
    raw = png_with_text_chunks_and_icc()

    stored = check_upload(SimpleUploadedFile("logo.png", raw), allowed=DOCUMENT_KINDS, max_mb=5).content.read()

    with Image.open(io.BytesIO(stored)) as image:
        assert image.mode == "RGBA" and image.getpixel((0, 0)) == (0, 128, 0, 100)


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
    assert response.json()["status"] == "ok" and response.json()["database"]["state"] == "ok"


@pytest.mark.django_db
def test_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
