"""The payment receipt PDF (xhtml2pdf through healthstack.pdf), with its verification code and QR."""

from django.utils import timezone

from healthstack.pdf import render_pdf
from healthstack.verification import verification_for

from .models import Payment


def receipt_pdf(payment: Payment) -> bytes:
    """Render the receipt of a settled payment that has a receipt code; raises PdfError if it cannot."""
    hospital = payment.hospital
    return render_pdf("pdf/receipt.html", {
        "payment": payment,
        "hospital": hospital,
        "payer": payment.payer,
        "paid_at": timezone.localtime(payment.paid_at or payment.created_at, hospital.tz),
        "verification": verification_for(payment.receipt_code),
    })
