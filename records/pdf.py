"""The prescription PDF: built from templates/pdf/prescription.html by the shared helper."""

import base64
import logging

from healthstack.localtime import local_date
from healthstack.pdf import render_pdf
from healthstack.verification import verification_for

from .models import Prescription

logger = logging.getLogger(__name__)
LOGO_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}


def _logo_data_uri(hospital) -> str:
    """The hospital logo inlined (the PDF helper loads no files but its fonts)."""
    if not hospital.logo:
        return ""
    mime = LOGO_TYPES.get(hospital.logo.name.rsplit(".", 1)[-1].lower())
    if not mime:
        return ""
    try:
        with hospital.logo.open("rb") as logo:
            return f"data:{mime};base64," + base64.b64encode(logo.read()).decode()
    except OSError:
        logger.warning("logo of hospital %s is missing", hospital.pk)
        return ""


def prescription_pdf(prescription: Prescription) -> bytes:
    """PDF bytes of an issued (or superseded) prescription; raises healthstack.pdf.PdfError."""
    profile = getattr(prescription.patient, "patient_profile", None)
    return render_pdf("pdf/prescription.html", {
        "prescription": prescription,
        "items": list(prescription.items.all()),
        "hospital": prescription.hospital,
        "logo": _logo_data_uri(prescription.hospital),
        "doctor": prescription.doctor,
        "membership": prescription.membership,
        "patient": prescription.patient,
        "profile": profile,
        "verification": verification_for(prescription.document_code) if prescription.document_code else None,
    }, hospital=prescription.hospital)


def download_name(prescription: Prescription) -> str:
    """The PDF's file name, dated with the day it was issued at the hospital (not the UTC day)."""
    day = local_date(prescription.issued_at or prescription.created_at, prescription.hospital)
    return f"prescription-{day:%Y-%m-%d}-{prescription.pk}-v{prescription.version}.pdf"
