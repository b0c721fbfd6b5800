"""The one upload checker: file kinds are told by content, never by name.

Every upload (photos, logos, certificates, medical documents, chat attachments)
goes through :func:`check_upload`. Images are re-encoded with Pillow so all
metadata (EXIF with GPS and camera, XMP, ICC profiles, JPEG comments, PNG text)
and anything smuggled after the image data is dropped; the stored name is
generated here, so a client's file name never reaches the disk, and a download
is named from what the file is (:func:`private_file_response`), never from it.
"""

import io
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject
from PIL import Image, UnidentifiedImageError

PDF, JPEG, PNG, DOC, DOCX = "pdf", "jpeg", "png", "doc", "docx"
IMAGE_KINDS = frozenset({JPEG, PNG})
DOCUMENT_KINDS = frozenset({PDF, JPEG, PNG, DOC, DOCX})
CERTIFICATE_KINDS = frozenset({PDF, JPEG, PNG})

CONTENT_TYPES = {
    PDF: "application/pdf",
    JPEG: "image/jpeg",
    PNG: "image/png",
    DOC: "application/msword",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", DOC: "doc", DOCX: "docx"}
KIND_LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", DOC: "Word (.doc)", DOCX: "Word (.docx)"}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_IMAGE_PIXELS = 40_000_000


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    content: ContentFile
    original_name: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


def sniff_kind(data: bytes) -> str | None:
    """Return the kind of ``data`` from its leading bytes and structure, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(OLE2_MAGIC):
        return DOC
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
    return None


def _reencode_image(data: bytes, kind: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise ValidationError("This image is too large in pixels.")
            image.load()
            if kind == JPEG:
                image = image.convert("RGB")
            elif image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                image = image.convert("RGBA")
            # Pillow carries comments (JPEG COM) and ICC profiles over from the source's info, and
            # a PNG's text chunks live there too: keep only what draws the pixels (transparency).
            # Saving without exif= or xmp= drops EXIF (GPS included) and XMP.
            image.info = {key: value for key, value in image.info.items() if key == "transparency"}
            out = io.BytesIO()
            image.save(out, format="JPEG" if kind == JPEG else "PNG", quality=88, optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError("This image is damaged or not really an image.") from exc


def check_upload(upload, *, allowed: frozenset[str], max_mb: int) -> CheckedUpload:
    """Validate an uploaded file by content and size; return a safe copy to store.

    Raises ValidationError with a message fit for the form field.
    """
    if upload is None or upload.size == 0:
        raise ValidationError("The file is empty.")
    if upload.size > max_mb * 1024 * 1024:
        raise ValidationError(f"The file is larger than {max_mb} MB.")
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    kind = sniff_kind(data)
    if kind not in allowed:
        names = ", ".join(KIND_LABELS[k] for k in sorted(allowed))
        raise ValidationError(f"This file is not an accepted type. Accepted: {names}.")
    if kind in IMAGE_KINDS:
        data = _reencode_image(data, kind)
    stored_name = f"{uuid.uuid4().hex}.{EXTENSIONS[kind]}"
    original = (getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    return CheckedUpload(kind=kind, content=ContentFile(data, name=stored_name), original_name=original)


def check_image(upload, *, max_mb: int | None = None) -> CheckedUpload:
    return check_upload(upload, allowed=IMAGE_KINDS, max_mb=max_mb or settings.IMAGE_UPLOAD_MAX_MB)


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files outside MEDIA_ROOT with no base URL: only permission-checked views serve them."""

    def __init__(self):
        super().__init__(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    def url(self, name):
        raise ValueError("Private files have no public URL.")


private_storage = PrivateStorage()


def download_name(stem: str, kind: str) -> str:
    """``<stem>.<extension of the kind detected from the content>``, e.g. ``certificate-12.pdf``."""
    return f"{stem}.{EXTENSIONS.get(kind, 'bin')}"


def _private(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def private_file_response(field_file, *, stem: str, kind: str):
    """Serve a private file as an attachment that the browser must not sniff and no cache keeps.

    The download is named ``stem`` plus the extension of the detected ``kind``, and its
    Content-Type follows ``kind`` too: the name the uploader gave never reaches a browser.
    Every private download (stored files and generated PDFs) is answered by this function.
    """
    from django.http import FileResponse

    return _private(FileResponse(
        field_file.open("rb"), as_attachment=True, filename=download_name(stem, kind),
        content_type=CONTENT_TYPES.get(kind, "application/octet-stream"),
    ))


def private_pdf_response(content: bytes, *, filename: str):
    """A generated PDF (prescription, receipt) as a private download named ``filename``."""
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    response = HttpResponse(content, content_type=CONTENT_TYPES[PDF])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return _private(response)
