"""Demo data for health records, run by ``seed_demo`` after the appointments steps (see hospitals.demo).

Each featured doctor's completed past visits get an issued prescription (one written in
Bengali, one corrected into a second version); two demo patients get uploaded past records
(a small PDF and a PNG made here); the doctors' reads of those records fill the access log.
Every part is skipped when it is already there, so the step can run again at any time.
"""

import io
from datetime import date
from functools import partial

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from appointments.models import Appointment
from healthstack.files import DOCUMENT_KINDS, check_upload
from hospitals.demo import DemoContext, certificate_pdf, patient_email

from . import services
from .models import AccessLog, MedicalDocument, Prescription
from .selectors import prescriptions_readable_by

PLANS = [
    {
        "diagnosis": "Essential hypertension",
        "advice": "Cut down on salt and fried food. Walk for 30 minutes every day. Check your blood pressure weekly.",
        "recommended_tests": "Serum creatinine\nLipid profile",
        "items": [
            {"medicine_name": "Amlodipine", "strength": "5 mg", "dose": "1 tablet", "frequency": "1+0+0",
             "duration": "30 days", "instructions": "After breakfast"},
            {"medicine_name": "Rosuvastatin", "strength": "10 mg", "dose": "1 tablet", "frequency": "0+0+1",
             "duration": "30 days", "instructions": "At night"},
        ],
    },
    {
        "diagnosis": "Acute viral fever",
        "advice": "প্রচুর পানি ও তরল খাবার খান। পূর্ণ বিশ্রাম নিন। জ্বর তিন দিনের বেশি থাকলে আবার আসুন।",
        "recommended_tests": "CBC\nDengue NS1 antigen",
        "items": [
            {"medicine_name": "Napa (প্যারাসিটামল)", "strength": "500 mg", "dose": "1 tablet", "frequency": "1+1+1",
             "duration": "5 days", "instructions": "খাবারের পরে"},
            {"medicine_name": "Fexo", "strength": "120 mg", "dose": "1 tablet", "frequency": "0+0+1",
             "duration": "7 days", "instructions": "If itching or runny nose"},
        ],
    },
    {
        "diagnosis": "Right knee sprain",
        "advice": "Rest the knee, ice packs 15 minutes three times a day, keep the leg raised.",
        "recommended_tests": "X-ray right knee AP and lateral view",
        "items": [
            {"medicine_name": "Naproxen", "strength": "500 mg", "dose": "1 tablet", "frequency": "1+0+1",
             "duration": "7 days", "instructions": "After meals"},
            {"medicine_name": "Omeprazole", "strength": "20 mg", "dose": "1 capsule", "frequency": "1+0+1",
             "duration": "7 days", "instructions": "Before meals"},
        ],
    },
]


def _featured(ctx: DemoContext):
    featured = {}
    for membership in ctx.doctor_memberships():
        featured.setdefault(membership.hospital_id, membership)
    return list(featured.values())


def _prescribe(ctx: DemoContext, visit: Appointment, plan: dict) -> Prescription:
    fields = {name: plan[name] for name in ("diagnosis", "advice", "recommended_tests")}
    draft = services.create_prescription(membership=visit.membership, patient=visit.patient, appointment=visit,
                                         items=plan["items"], **fields)
    ctx.created[Prescription.__name__] += 1
    return services.issue_prescription(prescription=draft, by=visit.membership.user)


def seed_prescriptions(ctx: DemoContext) -> None:
    """An issued prescription for each featured doctor's completed past visits; the first one corrected once."""
    corrected = Prescription.objects.filter(supersedes__isnull=False).exists()
    for index, membership in enumerate(_featured(ctx)):
        if Prescription.objects.for_membership(membership).exists():
            continue
        visits = (Appointment.objects.for_membership(membership).filter(status=Appointment.Status.COMPLETED)
                  .filter(prescriptions__isnull=True).select_related("patient", "hospital", "membership__user")
                  .order_by("date"))
        for number, visit in enumerate(visits[:3]):
            prescription = _prescribe(ctx, visit, PLANS[(index + number) % len(PLANS)])
            if not corrected:
                correction = services.start_correction(prescription=prescription, membership=membership)
                items = [dict(item) for item in PLANS[(index + number) % len(PLANS)]["items"]]
                items[0]["duration"] = "60 days"
                services.update_prescription(prescription=correction, items=items)
                services.issue_prescription(prescription=correction, by=membership.user)
                ctx.created[Prescription.__name__] += 1
                corrected = True


def _png_scan(lines: list[str]) -> bytes:
    image = Image.new("RGB", (480, 320), (250, 250, 247))
    draw = ImageDraw.Draw(image)
    draw.rectangle([10, 10, 470, 310], outline=(11, 110, 127), width=3)
    for row, line in enumerate(lines):
        draw.text((30, 30 + row * 28), line, fill=(31, 45, 61))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


UPLOADS = [
    (1, "Discharge summary, appendix surgery", "discharge_summary", "2019-08-14", "Square Hospital, Dhaka",
     "discharge.pdf", lambda: certificate_pdf("Square Hospital - Discharge summary", "Laparoscopic appendectomy",
                                              "Admitted 11 Aug 2019, discharged 14 Aug 2019", "Recovery uneventful")),
    (1, "Chest X-ray report", "imaging", "2023-02-02", "Popular Diagnostic Centre, Dhanmondi",
     "chest-xray.png", lambda: _png_scan(["Popular Diagnostic Centre", "Chest X-ray PA view", "Date: 02-02-2023",
                                          "Impression: normal study"])),
    (2, "HbA1c and fasting glucose", "report", "2024-06-20", "Ibn Sina Diagnostic, Chattogram",
     "hba1c.pdf", lambda: certificate_pdf("Ibn Sina Diagnostic - Lab report", "HbA1c: 6.1 %",
                                          "Fasting glucose: 5.9 mmol/L")),
]


def seed_uploads(ctx: DemoContext) -> None:
    """Past records two demo patients uploaded themselves."""
    for number, title, category, day, source, name, make in UPLOADS:
        patient = ctx.users.get(patient_email(number))
        if patient is None or MedicalDocument.objects.filter(patient=patient, title=title).exists():
            continue
        upload = check_upload(SimpleUploadedFile(name, make()), allowed=DOCUMENT_KINDS, max_mb=5)
        services.add_medical_document(patient=patient, upload=upload, title=title, category=category,
                                      document_date=date.fromisoformat(day), source_name=source)
        ctx.created[MedicalDocument.__name__] += 1


def seed_access_log(ctx: DemoContext) -> None:
    """Each prescribing doctor has opened their patient's record and prescription once."""
    for prescription in Prescription.objects.filter(supersedes__isnull=True).with_people():
        patient, membership = prescription.patient, prescription.membership
        if AccessLog.objects.for_patient(patient).filter(accessor=membership.user).exists():
            continue
        reader = {"reader": membership.user, "hospital": membership.hospital}
        reads = (
            partial(services.read_patient_record, patient=patient, **reader),
            partial(services.read_record_item, items=prescriptions_readable_by(membership.user), pk=prescription.pk,
                    object_type=AccessLog.ObjectType.PRESCRIPTION, **reader),
        )
        for read in reads:
            try:
                read()
            except services.RecordAccessDenied:
                break
            ctx.created[AccessLog.__name__] += 1


STEPS = [seed_prescriptions, seed_uploads, seed_access_log]
