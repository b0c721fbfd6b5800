"""The demo's console email backend: each email as a person reads it, an attachment as one line."""

import base64
import io

from django.core.mail import EmailMultiAlternatives

from healthstack.console_email import EmailBackend

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40  # 10,249 bytes: hundreds of lines once base64-encoded


def test_console_email_shows_headers_text_and_one_line_per_attachment_not_its_base64():
    stream = io.StringIO()
    message = EmailMultiAlternatives(
        subject="আপনার রিপোর্ট তৈরি: your lab report is ready", body="Dear Amina,\nyour report is ready.",
        from_email="HealthStack <no-reply@healthstack.local>", to=["amina@example.com"],
        headers={"Message-ID": "<outbox-7@healthstack.local>"},
    )
    message.attach_alternative("<p>Dear Amina,</p>", "text/html")
    message.attach("lab-report-DCH-26-000123.pdf", PDF, "application/pdf")
    message.attach("note.txt", "bring your prescription", "text/plain")

    assert EmailBackend(stream=stream).send_messages([message]) == 1

    printed = stream.getvalue()
    assert "Subject: আপনার রিপোর্ট তৈরি: your lab report is ready" in printed
    assert "To: amina@example.com" in printed and "Message-ID: <outbox-7@healthstack.local>" in printed
    assert "Dear Amina,\nyour report is ready." in printed
    assert "Attached: lab-report-DCH-26-000123.pdf (application/pdf, 10,249 bytes)" in printed
    assert "Attached: note.txt (text/plain, 23 bytes)" in printed
    assert "Also as text/html (18 bytes), not shown." in printed
    assert base64.b64encode(PDF[:300]).decode()[:60] not in printed
    assert "base64" not in printed and "<p>" not in printed
    assert len(printed.splitlines()) < 20
