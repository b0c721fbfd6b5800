import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from healthstack.models import DocumentCode
from healthstack.pdf import PdfError, render_pdf
from healthstack.verification import issue_document_code, supersede_document_code, verification_for


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.django_db
def test_pdf_embeds_fonts_renders_bengali_and_qr():
    code = issue_document_code(kind="receipt", hospital_name="Dhaka Central", patient_name="Ayesha Rahman")
    data = render_pdf("pdf/sample.html", {"title": "Receipt for Ayesha", "text": "রোগীর নাম: আয়েশা",
                                          "verification": verification_for(code)})
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("NotoSansBengali" in name for name in fonts)
    text = pdf_text(data)
    assert "Receipt for Ayesha" in text and code.code in text


def test_pdf_refuses_outside_files():
    from django.template import engines

    with pytest.raises(PdfError):
        from healthstack.pdf import _link_callback

        _link_callback("/etc/passwd", "")
    assert engines


@pytest.mark.django_db
def test_verify_page_states(client):
    first = issue_document_code(kind="prescription", hospital_name="Green Life", patient_name="Kamal Uddin Ahmed",
                                doctor_name="Dr. Nasrin")
    genuine = client.get(reverse("verify", args=[first.code]))
    page = genuine.content.decode()
    assert "Genuine document" in page and "K.U.A." in page and "Green Life" in page

    second = issue_document_code(kind="prescription", hospital_name="Green Life", patient_name="Kamal Uddin Ahmed")
    supersede_document_code(old=first, new=second)
    superseded = client.get(reverse("verify", args=[first.code.lower()])).content.decode()
    assert "superseded" in superseded and second.code in superseded

    unknown = client.get(reverse("verify", args=["ABCD-EFGH-JKLM"]))
    assert unknown.status_code == 404 and "Unknown code" in unknown.content.decode()
    assert DocumentCode.objects.count() == 2


def test_bengali_vowel_signs_are_drawn_in_visual_order():
    """HarfBuzz shaping: in "খাবারের" the e-kar (ে) is drawn before its consonant, not after it."""
    data = render_pdf("pdf/sample.html", {"title": "খাবারের পরে", "text": ""})
    text = pdf_text(data)
    assert "বােরর" in text
    assert "খাবারের" not in text
