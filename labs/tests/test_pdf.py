"""The lab report PDF: what a reader of the printed report must find on it."""

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from healthstack.models import OutgoingEmail
from labs import services
from labs.pdf import label_pdf, report_download_name, report_pdf

from .conftest import NOW


def _text(pdf: bytes) -> str:
    """The PDF's text with its line breaks and runs of spaces as single spaces (cells wrap)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


@pytest.fixture
def reported(make_order, haemoglobin, glucose_test):
    glucose = glucose_test.analytes.get(name="Fasting glucose")
    urine = glucose_test.analytes.get(name="Urine glucose")
    order = make_order("reported", values={haemoglobin: "16.2", glucose: "27.5", urine: "Trace"})
    return order, order.reports.get()


@pytest.mark.django_db
def test_report_pdf_prints_ranges_flags_accession_and_code(reported):
    order, report = reported

    text = _text(report_pdf(report))

    assert order.accession in text
    assert report.document_code.code in text
    assert "Green Life Hospital" in text
    assert order.patient.full_name in text and order.patient.patient_profile.patient_number in text
    assert "12–15.5" in text  # the female adult haemoglobin range, not the male one
    assert "13.5–17.5" not in text
    assert "3.9–5.5" in text
    assert re.search(r"16\.2 \*", text) and "H High" in text
    assert re.search(r"27\.5 \*", text) and "HH Critically high" in text
    assert "Trace" in text
    assert "35 years" in text and "Female" in text
    assert "Verified by" in text and report.verified_by.full_name in text
    assert "/verify/" in text


@pytest.mark.django_db
def test_amended_report_pdf_says_which_version_it_amends(reported, haemoglobin, lab_worker):
    order, report = reported
    amended = services.amend_report(report=report, values={haemoglobin.pk: "14.0"}, by=lab_worker,
                                    reason="Sample re-run", now=NOW)

    text = _text(report_pdf(amended))
    old_text = _text(report_pdf(report))

    assert "Version 2" in text and "Amends version 1" in text and "Sample re-run" in text
    assert "SUPERSEDED" in old_text and "SUPERSEDED" not in text


@pytest.mark.django_db
def test_report_pdf_renders_a_bengali_name(reported):
    order, report = reported
    order.patient.full_name = "রহিম উদ্দিন"
    order.patient.save(update_fields=["full_name"])

    assert report_pdf(report).startswith(b"%PDF")


@pytest.mark.django_db
def test_report_ready_email_carries_the_report_pdf(reported):
    order, report = reported

    email = OutgoingEmail.objects.filter(to=order.patient.email, about="lab_report_ready").get()

    assert email.attachments == [["lab_report", report.pk]]
    assert report_download_name(report) == f"lab-report-{order.accession}-v1-2026-03-05.pdf"


@pytest.mark.django_db
def test_sample_label_pdf_carries_the_accession(make_order):
    order = make_order("sample_collected")

    text = _text(label_pdf(order))

    assert order.accession in text and order.patient.full_name in text and "HB" in text


@pytest.mark.django_db
def test_report_pdf_prints_one_sided_ranges_in_characters_its_font_has(make_order, glucose_test, lab_worker):
    from labs.models import ReferenceRange

    glucose = glucose_test.analytes.get(name="Fasting glucose")
    ReferenceRange.objects.filter(analyte=glucose).update(low=None, critical_low=None)
    order = make_order("reported", tests=[glucose_test])

    text = _text(report_pdf(order.reports.get()))

    assert "<= 5.5" in text and "≤" not in text
