"""The prescription PDF: built from templates/pdf/prescription.html by the shared helper."""

import base64
import logging

from healthstack.files import private_pdf_response
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
    })


def download_stem(prescription: Prescription) -> str:
    when = prescription.issued_at or prescription.created_at
    return f"prescription-{when:%Y-%m-%d}-{prescription.pk}-v{prescription.version}"


def prescription_pdf_response(prescription: Prescription):
    """The prescription PDF as a private download; raises healthstack.pdf.PdfError if it cannot be built."""
    return private_pdf_response(prescription_pdf(prescription), stem=download_stem(prescription))
