"""Verification codes for the PDFs the platform issues (prescriptions, lab reports, receipts)."""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import DocumentCode
from .pdf import qr_data_uri
from .status import locked

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


@dataclass(frozen=True)
class Verification:
    """What a PDF template prints: the code, the public URL and its QR image."""

    code: str
    url: str
    qr: str


def patient_initials(full_name: str) -> str:
    parts = [p for p in (full_name or "").split() if p]
    return ".".join(p[0].upper() for p in parts[:3]) + "." if parts else "—"


def new_code() -> str:
    while True:
        code = "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))
        if not DocumentCode.objects.filter(code=code).exists():
            return code


@transaction.atomic
def issue_document_code(*, kind: str, hospital_name: str, patient_name: str, doctor_name: str = "",
                        issued_at=None) -> DocumentCode:
    """Register a document and return its new code (stores only non-clinical facts)."""
    return DocumentCode.objects.create(
        code=new_code(), kind=kind, issued_at=issued_at or timezone.now(), hospital_name=hospital_name,
        doctor_name=doctor_name, patient_initials=patient_initials(patient_name),
    )


@transaction.atomic
def supersede_document_code(*, old: DocumentCode, new: DocumentCode) -> DocumentCode:
    """Mark ``old`` superseded by ``new`` (a corrected prescription, an amended report); locks ``old``.

    Raises healthstack.status.InvalidTransition unless ``old`` is valid.
    """
    old = locked(old)
    old.superseded_by = new
    return old.transition_to(DocumentCode.Status.SUPERSEDED, by=None, fields=["superseded_by"])


def verification_for(document_code: DocumentCode) -> Verification:
    url = settings.SITE_URL + reverse("verify", args=[document_code.code])
    return Verification(code=document_code.code, url=url, qr=qr_data_uri(url))
