"""Images cost memory only when they are worth it: a header too big is refused unread, a photo is
decoded reduced, an invalid form decodes nothing, and only a few images decode at once.

A 6000×6600 JPEG of 605 KB, sent four times at once as an anonymous doctor's photo, took the
server from 224 to 1,548 MB. ``decoded`` spies on Pillow's one decoding call (ImageFile.load).
"""

import functools
import io
import struct
import threading
import time
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile

from accounts.forms import DoctorProfileForm
from accounts.models import User
from healthstack.files import DOCUMENT_KINDS, IMAGE_KINDS, PHOTO_SIDE, check_upload
from healthstack.testing import in_threads

DOCTOR_SIGNUP = {
    "full_name": "Rahim Uddin", "email": "dr.rahim@example.test", "phone": "+8801711000000",
    "password1": "Lotus-garden-77", "password2": "Lotus-garden-77", "specialisation": "Cardiology",
    "qualifications": "MBBS, MD", "registration_number": "BMDC-A-100", "years_of_practice": 12,
}


@functools.cache
def jpeg(width, height, color="teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="JPEG", quality=60)
    return buffer.getvalue()


def jpeg_claiming(width, height) -> bytes:
    """A small real JPEG whose header (its SOF0 frame) claims ``width`` × ``height``."""
    data = bytearray(jpeg(16, 16))
    frame = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, frame + 5, height, width)
    return bytes(data)


def png_header_only(width, height) -> bytes:
    """A PNG of a signature, an IHDR that claims ``width`` × ``height`` and an end: no pixel data at all."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IEND", b""))


@pytest.fixture
def decoded(monkeypatch):
    """The (width, height) of every image Pillow decoded during the test, in order."""
    sizes = []
    real_load = ImageFile.ImageFile.load

    def load(image):
        if image.tile:  # not yet decoded: this call decodes it
            sizes.append(image.size)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return sizes


@pytest.mark.parametrize("raw", [jpeg_claiming(6000, 6600), png_header_only(7000, 7000), jpeg_claiming(12000, 100),
                                 png_header_only(20000, 20000)],
                         ids=["reported-jpeg", "png-49-megapixels", "jpeg-too-wide", "png-400-megapixels"])
def test_an_image_whose_header_is_too_big_is_refused_without_decoding(decoded, raw):
    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile("photo.jpg", raw), allowed=IMAGE_KINDS, max_mb=2)

    assert "too many pixels" in error.value.messages[0]
    assert decoded == []


@pytest.mark.django_db
def test_the_doctor_sign_up_names_the_photo_too_big_beside_the_field_without_decoding_it(client, decoded):
    photo = SimpleUploadedFile("me.jpg", jpeg_claiming(6000, 6600), content_type="image/jpeg")

    response = client.post(reverse("accounts:signup-doctor"), {**DOCTOR_SIGNUP, "photo": photo})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["photo"]
    assert "6000 × 6600" in errors["photo"][0] and "too many pixels" in errors["photo"][0]
    assert decoded == []
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("change, field", [
    ({"password2": "Another-garden-78"}, "password2"),
    ({"email": "not an email"}, "email"),
    ({"years_of_practice": 700}, "years_of_practice"),
])
def test_an_otherwise_invalid_sign_up_never_decodes_its_photo(client, decoded, change, field):
    photo = SimpleUploadedFile("me.jpg", jpeg(1200, 900), content_type="image/jpeg")

    response = client.post(reverse("accounts:signup-doctor"), {**DOCTOR_SIGNUP, **change, "photo": photo})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert decoded == []
    assert not User.objects.exists()


def test_a_large_allowed_jpeg_photo_is_decoded_reduced_and_stored_small(decoded):
    raw = jpeg(4096, 3072)

    checked = check_upload(SimpleUploadedFile("me.jpg", raw), allowed=IMAGE_KINDS, max_mb=2, photo=True)

    # JPEG draft mode: the decoder itself scales by 1/2, 1/4 or 1/8, so the full 12.6 megapixels
    # (50 MB in memory) are never held; then the photo is reduced to what a page shows.
    assert decoded and max(w * h for w, h in decoded) <= 4096 * 3072 // 4
    with Image.open(io.BytesIO(checked.content.read())) as stored:
        assert stored.size == (PHOTO_SIDE, PHOTO_SIDE * 3 // 4)


@pytest.mark.django_db
def test_a_doctor_signing_up_with_a_phone_photo_gets_it_stored_small(client, decoded):
    photo = SimpleUploadedFile("me.jpg", jpeg(4096, 3072), content_type="image/jpeg")

    response = client.post(reverse("accounts:signup-doctor"), {**DOCTOR_SIGNUP, "photo": photo})

    assert response.status_code == 302
    assert max(w * h for w, h in decoded) <= 4096 * 3072 // 4
    with Image.open(User.objects.get().doctor_profile.photo.path) as stored:
        assert stored.size == (PHOTO_SIDE, PHOTO_SIDE * 3 // 4)


def test_a_scanned_document_keeps_its_resolution():
    raw = jpeg(1600, 1200)

    checked = check_upload(SimpleUploadedFile("scan.jpg", raw), allowed=DOCUMENT_KINDS, max_mb=5)

    with Image.open(io.BytesIO(checked.content.read())) as stored:
        assert stored.size == (1600, 1200)


def test_only_the_configured_number_of_images_decode_at_once(settings, monkeypatch):
    settings.IMAGE_DECODE_CONCURRENCY = 2
    settings.IMAGE_DECODE_WAIT_SECONDS = 30
    running, most = [0], [0]
    lock = threading.Lock()
    real_load = ImageFile.ImageFile.load

    def slow_load(image):
        if not image.tile:
            return real_load(image)
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.15)
            return real_load(image)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(ImageFile.ImageFile, "load", slow_load)
    raw = jpeg(64, 64)

    results = in_threads(6, lambda i: check_upload(SimpleUploadedFile(f"{i}.jpg", raw), allowed=IMAGE_KINDS,
                                                   max_mb=2).kind)

    assert results == [("ok", "jpeg")] * 6
    assert most[0] == 2


def test_a_busy_server_says_so_beside_the_photo_instead_of_failing(settings, monkeypatch):
    settings.IMAGE_DECODE_CONCURRENCY = 1
    settings.IMAGE_DECODE_WAIT_SECONDS = 0.2
    holding, release = threading.Event(), threading.Event()
    real_load = ImageFile.ImageFile.load

    def held_load(image):
        if image.tile and threading.current_thread().name == "first":
            holding.set()
            release.wait(timeout=10)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", held_load)
    raw = jpeg(64, 64)
    first = threading.Thread(name="first", target=lambda: check_upload(
        SimpleUploadedFile("a.jpg", raw), allowed=IMAGE_KINDS, max_mb=2))
    first.start()
    try:
        assert holding.wait(timeout=10)
        form = DoctorProfileForm({"full_name": "Rahim Uddin", "specialisation": "Cardiology", "qualifications": "MBBS",
                                  "years_of_practice": 3}, {"photo": SimpleUploadedFile("me.jpg", raw)})
        assert not form.is_valid()
        assert list(form.errors) == ["photo"]
        assert "busy" in form.errors["photo"][0]
    finally:
        release.set()
        first.join(timeout=10)

    form = DoctorProfileForm({"full_name": "Rahim Uddin", "specialisation": "Cardiology", "qualifications": "MBBS",
                              "years_of_practice": 3}, {"photo": SimpleUploadedFile("me.jpg", raw)})
    assert form.is_valid(), form.errors


def _every_form_class():
    import importlib

    from django import forms
    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.forms":
                raise
    found, waiting = set(), [forms.BaseForm]
    while waiting:
        for subclass in waiting.pop().__subclasses__():
            if subclass not in found:
                found.add(subclass)
                waiting.append(subclass)
    return found


def test_every_form_with_a_checked_upload_decodes_it_only_when_the_rest_is_valid():
    from healthstack.forms import CheckedFileField, CheckedUploadsMixin

    with_uploads = {form for form in _every_form_class()
                    if any(isinstance(field, CheckedFileField) for field in getattr(form, "base_fields", {}).values())}

    assert {form.__name__ for form in with_uploads} >= {"DoctorSignupForm", "PatientProfileForm", "DoctorProfileForm",
                                                        "HospitalForm", "DoctorApplicationForm", "MedicalDocumentForm"}
    assert [form.__name__ for form in with_uploads if not issubclass(form, CheckedUploadsMixin)] == []


@pytest.mark.parametrize("photo, kinds", [(True, IMAGE_KINDS), (False, DOCUMENT_KINDS)])
def test_a_phone_picture_taken_upright_is_stored_upright(photo, kinds):
    # Phones save the sensor's landscape pixels and an EXIF Orientation of 6 ("turn 90° clockwise");
    # the stored file drops EXIF, so the turn must be in its pixels.
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (800, 600), "teal").save(buffer, format="JPEG", exif=exif.tobytes())

    checked = check_upload(SimpleUploadedFile("me.jpg", buffer.getvalue()), allowed=kinds, max_mb=2, photo=photo)

    with Image.open(io.BytesIO(checked.content.read())) as stored:
        assert stored.height > stored.width
        assert 0x0112 not in stored.getexif()
