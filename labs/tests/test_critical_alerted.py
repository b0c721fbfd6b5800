"""The report PDF and the lab desk's pages name who was alerted about a critical result: the doctor who
ordered the tests, or the hospital's admins when the patient ordered them without a doctor."""

import html
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from labs import services
from labs.pdf import report_pdf

from .conftest import NOW, default_values

pytestmark = pytest.mark.django_db


def _pdf_text(report) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(report_pdf(report))).pages).split())


def _page_text(response) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


@pytest.fixture
def critical(make_order, haemoglobin_test, glucose_test, hospital_admin):
    """``critical(prescription=True)``: a reported order with a critically high fasting glucose."""

    def make(prescription=True):
        values = default_values([haemoglobin_test, glucose_test])
        values[glucose_test.analytes.get(name="Fasting glucose")] = "30.0"
        return make_order("reported", values=values, prescription=prescription)

    return make


def test_self_ordered_critical_report_says_the_hospital_admins_were_alerted(critical, client_for, lab_worker,
                                                                            hospital):
    order = critical(prescription=False)
    report = order.reports.get()

    pdf = _pdf_text(report)
    report_page = _page_text(client_for(lab_worker).get(f"/manage/{hospital.slug}/lab/reports/{report.pk}/"))
    order_page = _page_text(client_for(lab_worker).get(f"/manage/{hospital.slug}/lab/orders/{order.pk}/"))

    sentence = "No doctor ordered these tests, so the hospital's admins have been alerted."
    assert sentence in pdf and sentence in report_page and sentence in order_page
    assert "ordering doctor" not in pdf


def test_doctor_ordered_critical_report_names_the_doctor_alerted(critical, client_for, lab_worker, hospital):
    order = critical()
    report = order.reports.get()

    pdf = _pdf_text(report)
    report_page = _page_text(client_for(lab_worker).get(f"/manage/{hospital.slug}/lab/reports/{report.pk}/"))
    order_page = _page_text(client_for(lab_worker).get(f"/manage/{hospital.slug}/lab/orders/{order.pk}/"))

    sentence = "Dr. Kamal Hossain, who ordered these tests, has been alerted."
    assert sentence in pdf and sentence in report_page and sentence in order_page


def test_escalated_critical_report_says_the_doctor_and_the_admins_were_alerted(critical, client_for, lab_worker,
                                                                               hospital):
    order = critical()
    report = order.reports.get()
    assert services.escalate_unacknowledged_criticals(now=NOW + timedelta(hours=2)) == 1

    pdf = _pdf_text(report)
    order_page = _page_text(client_for(lab_worker).get(f"/manage/{hospital.slug}/lab/orders/{order.pk}/"))

    sentence = "Dr. Kamal Hossain, who ordered these tests, and the hospital's admins have been alerted."
    assert sentence in pdf and sentence in order_page
