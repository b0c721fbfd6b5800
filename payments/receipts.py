"""The payment receipt PDF (xhtml2pdf through healthstack.pdf), with its verification code and QR."""

from healthstack.localtime import local_date
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
        "paid_at": payment.paid_at or payment.created_at,
        "verification": verification_for(payment.receipt_code),
    }, hospital=hospital)


def receipt_download_name(payment: Payment) -> str:
    """The receipt's file name, dated with the day it was paid at the hospital (not the UTC day)."""
    day = local_date(payment.paid_at or payment.created_at, payment.hospital)
    return f"receipt-{day:%Y-%m-%d}-{payment.tran_id}.pdf"


def receipt_attachment(payment_id: int) -> tuple[str, bytes, str]:
    """The receipt PDF as an email attachment, rendered when the email is sent (healthstack.mail)."""
    payment = Payment.objects.with_people().get(pk=payment_id)
    return receipt_download_name(payment), receipt_pdf(payment), "application/pdf"
