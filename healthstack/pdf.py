"""The one PDF helper: HTML templates under templates/pdf/ rendered by xhtml2pdf.

Every document embeds Noto Sans and Noto Sans Bengali (healthstack/fonts/), so Bengali
names and text render on any machine, and may show a QR code made by ``qr_data_uri``.
"""

import base64
import io
import logging
import re
from pathlib import Path

import qrcode
from django.template.loader import render_to_string
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr, shapeStr
from reportlab.pdfgen.textobject import PDFTextObject
from xhtml2pdf import pisa

from .localtime import hospital_time

logger = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent / "fonts"


# Scripts whose letters change shape and order around each other (Bengali vowel signs and
# conjuncts). xhtml2pdf lays out lines with its own paragraph code, which never asks ReportLab
# to shape; so the text object shapes such runs with HarfBuzz just before drawing them.
SHAPED_SCRIPTS = re.compile("[\u0980-\u09ff]")
_draw_text = PDFTextObject._formatText


def _draw_shaped_text(self, text):
    if isinstance(text, str) and not isinstance(text, ShapedStr) and SHAPED_SCRIPTS.search(text):
        font = pdfmetrics.getFont(self._fontname)
        if getattr(font, "shapable", False):
            text = shapeStr(text, self._fontname, self._fontsize)
    return _draw_text(self, text)


PDFTextObject._formatText = _draw_shaped_text


class PdfError(Exception):
    """The document could not be rendered; the message is safe to show."""


def font_faces() -> dict:
    """Paths for the @font-face rules of templates/pdf/base.html."""
    return {
        "font_regular": str(FONT_DIR / "NotoSans-Regular.ttf"),
        "font_bold": str(FONT_DIR / "NotoSans-Bold.ttf"),
        "font_bengali": str(FONT_DIR / "NotoSansBengali-Regular.ttf"),
        "font_bengali_bold": str(FONT_DIR / "NotoSansBengali-Bold.ttf"),
    }


def qr_data_uri(text: str) -> str:
    """A PNG QR code of ``text`` as a data: URI for an <img> in a PDF template."""
    image = qrcode.make(text, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _link_callback(uri: str, rel: str) -> str:
    # Only our own font files and data: URIs are loaded; never a network address.
    if uri.startswith("data:"):
        return uri
    path = Path(uri).resolve()
    if path.parent == FONT_DIR and path.exists():
        return str(path)
    raise PdfError("A document referred to a file it may not load.")


def render_pdf(template_name: str, context: dict, *, hospital=None) -> bytes:
    """Render ``templates/<template_name>`` to PDF bytes; raise PdfError if it cannot be made.

    With ``hospital``, every date and time in the document is in that hospital's zone.
    """
    if hospital is not None:
        with hospital_time(hospital):
            html = render_to_string(template_name, {**font_faces(), **context})
    else:
        html = render_to_string(template_name, {**font_faces(), **context})
    output = io.BytesIO()
    try:
        result = pisa.CreatePDF(html, dest=output, encoding="utf-8", link_callback=_link_callback)
    except PdfError:
        raise
    except Exception as exc:
        logger.exception("PDF rendering crashed for %s", template_name)
        raise PdfError("The document could not be created. Please try again.") from exc
    if result.err:
        logger.error("PDF rendering reported %s errors for %s", result.err, template_name)
        raise PdfError("The document could not be created. Please try again.")
    return output.getvalue()
