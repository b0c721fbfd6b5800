"""The one upload checker: file kinds are told by content, never by name.

Every upload (photos, logos, certificates, medical documents, chat attachments)
goes through :func:`check_upload`. Images are re-encoded with Pillow so all
metadata (EXIF with GPS and camera, XMP, ICC profiles, JPEG comments, PNG text)
and anything smuggled after the image data is dropped; the stored name is
generated here, so a client's file name never reaches the disk, and a download
is named from what the file is (:func:`private_file_response`), never from it.

Decoding an image is what costs memory (Pillow holds 4 bytes a pixel), so a check comes in
two steps: :func:`screen_upload` (size, kind, and an image's dimensions read from its header,
nothing decoded) and :meth:`ScreenedUpload.finish` (the decode and re-encode, at most
``IMAGE_DECODE_CONCURRENCY`` at once in a process). A form screens in its field and finishes
only once every other field is valid (:class:`healthstack.forms.CheckedUploadsMixin`).
"""

import io
import threading
import uuid
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

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
# What an image's header may claim, checked before any pixel is decoded. It fits what people send:
# a phone photo (12 MP, 4032 × 3024; 24 MP, 5712 × 4284), a document scanned at 300 dpi (A4 is
# 2480 × 3508, 8.7 MP; A3 17.4 MP) or at 600 dpi (A4, 4960 × 7016, 34.8 MP). A document is kept at
# its size, so decoding the largest takes 36 MP × 4 bytes ≈ 144 MB for a few seconds; a photo is
# decoded reduced (below). The side limit refuses strips that are all width and no height.
MAX_IMAGE_PIXELS = 36_000_000
MAX_IMAGE_SIDE = 10_000
# A photo or a logo is shown at most a few hundred pixels wide: it is kept at most this many
# pixels on a side, and a JPEG is decoded at 1/2, 1/4 or 1/8 of its sides (draft mode) when that
# still covers it, so a 36 MP phone photo costs about 9 MB to decode instead of 144 MB.
PHOTO_SIDE = 1024


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    content: ContentFile
    original_name: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


@dataclass(frozen=True)
class ScreenedUpload:
    """An upload whose size, kind and (for an image) header dimensions passed; no pixel decoded yet."""

    kind: str
    data: bytes
    original_name: str
    photo: bool = False

    def finish(self) -> CheckedUpload:
        """Re-encode an image (a photo reduced to PHOTO_SIDE) and return the safe copy to store.

        Raises ValidationError with a message fit for the form field: a damaged image, or no
        place to decode it within IMAGE_DECODE_WAIT_SECONDS.
        """
        data = _reencode_image(self.data, self.kind, photo=self.photo) if self.kind in IMAGE_KINDS else self.data
        stored_name = f"{uuid.uuid4().hex}.{EXTENSIONS[self.kind]}"
        return CheckedUpload(kind=self.kind, content=ContentFile(data, name=stored_name),
                             original_name=self.original_name)


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


def _damaged() -> ValidationError:
    return ValidationError(_("This image is damaged or not really an image."), code="damaged")


def _too_many_pixels(width: int | None = None, height: int | None = None) -> ValidationError:
    limits = {"megapixels": number_format(MAX_IMAGE_PIXELS // 1_000_000),
              "side": number_format(MAX_IMAGE_SIDE, force_grouping=True)}
    if width is None:
        return ValidationError(_("This image has too many pixels. Send one of at most %(megapixels)s megapixels "
                                 "and %(side)s pixels on a side, such as a phone photo or a scan."),
                               code="too_many_pixels", params=limits)
    return ValidationError(_("This image is %(width)s × %(height)s: too many pixels. Send one of at most "
                             "%(megapixels)s megapixels and %(side)s pixels on a side, such as a phone photo "
                             "or a scan."), code="too_many_pixels", params={"width": width, "height": height, **limits})


def _check_dimensions(data: bytes) -> None:
    """Refuse an image whose header claims more than MAX_IMAGE_PIXELS or MAX_IMAGE_SIDE; decodes nothing."""
    try:
        with Image.open(io.BytesIO(data)) as probe:  # reads the header only
            width, height = probe.size
    except Image.DecompressionBombError as exc:  # Pillow's own limit, far above ours
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise _damaged() from exc
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise _too_many_pixels(width, height)


_decode_slots: tuple[int, threading.BoundedSemaphore] | None = None
_decode_slots_lock = threading.Lock()


def _slots() -> threading.BoundedSemaphore:
    global _decode_slots
    size = settings.IMAGE_DECODE_CONCURRENCY
    with _decode_slots_lock:
        if _decode_slots is None or _decode_slots[0] != size:
            _decode_slots = (size, threading.BoundedSemaphore(size))
        return _decode_slots[1]


@contextmanager
def decode_slot():
    """Hold one of the process's IMAGE_DECODE_CONCURRENCY places for decoding an image.

    Raises ValidationError ("busy") when none frees up within IMAGE_DECODE_WAIT_SECONDS: many
    uploads at once then wait their turn or are told to try again, and memory stays bounded.
    """
    slots = _slots()
    if not slots.acquire(timeout=settings.IMAGE_DECODE_WAIT_SECONDS):
        raise ValidationError(_("The server is busy with other images. Please send the form again in a minute."),
                              code="busy")
    try:
        yield
    finally:
        slots.release()


def _reencode_image(data: bytes, kind: str, *, photo: bool = False) -> bytes:
    with decode_slot():
        try:
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:  # screened already; kept for direct callers
                    raise _too_many_pixels(image.width, image.height)
                if photo:
                    image.draft(None, (PHOTO_SIDE, PHOTO_SIDE))  # JPEG only, before anything is decoded
                    image.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
                else:
                    image.load()
                # A phone stores a photo sideways and says so in EXIF; EXIF is dropped below, so turn
                # the pixels the way the person held the phone first.
                image = ImageOps.exif_transpose(image)
                if kind == JPEG and image.mode != "RGB":
                    image = image.convert("RGB")
                elif image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    image = image.convert("RGBA")
                # Pillow carries comments (JPEG COM) and ICC profiles over from the source's info, and
                # a PNG's text chunks live there too: keep only what draws the pixels (transparency).
                # Saving without exif= or xmp= drops EXIF (GPS included) and XMP.
                image.info = {key: value for key, value in image.info.items() if key == "transparency"}
                out = io.BytesIO()
                # Optimising a JPEG's coding holds every coefficient of the image at once (about a third
                # more memory for a large scan and half again the time); a reduced photo can afford it.
                image.save(out, format="JPEG" if kind == JPEG else "PNG", quality=88, optimize=kind == PNG or photo)
                return out.getvalue()
        except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
            raise _damaged() from exc


def screen_upload(upload, *, allowed: frozenset[str], max_mb: int, photo: bool = False) -> ScreenedUpload:
    """The cheap half of :func:`check_upload`: size, kind by content, an image's header dimensions.

    Nothing is decoded. ``photo``: an image kept only as a photo or logo, reduced to PHOTO_SIDE
    by ``finish()``. Raises ValidationError with a message fit for the form field.
    """
    if upload is None or upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > max_mb * 1024 * 1024:
        raise ValidationError(_("The file is larger than %(max_mb)s MB."), code="too_large", params={"max_mb": max_mb})
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    kind = sniff_kind(data)
    if kind not in allowed:
        names = ", ".join(KIND_LABELS[k] for k in sorted(allowed))
        raise ValidationError(_("This file is not an accepted type. Accepted: %(kinds)s."), code="kind",
                              params={"kinds": names})
    if kind in IMAGE_KINDS:
        _check_dimensions(data)
    original = (getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    return ScreenedUpload(kind=kind, data=data, original_name=original, photo=photo)


def check_upload(upload, *, allowed: frozenset[str], max_mb: int, photo: bool = False) -> CheckedUpload:
    """Validate an uploaded file by content and size; return a safe copy to store.

    Raises ValidationError with a message fit for the form field. A form checks in two steps
    instead (CheckedFileField), so that an invalid form decodes nothing.
    """
    return screen_upload(upload, allowed=allowed, max_mb=max_mb, photo=photo).finish()


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
