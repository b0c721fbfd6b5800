"""The lab desk's pages: the queue, one order's work (collect, label, results, verify, amend), the catalogue,
and the doctor's critical-result acknowledgement, as lab staff use them."""

import io
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

from labs.models import LabOrder, LabTest, ReferenceRange
from records.models import AccessLog

from .conftest import NOW

pytestmark = pytest.mark.django_db


def url(hospital, path):
    return f"/manage/{hospital.slug}/lab/{path}"


@pytest.fixture
def lab(client_for, lab_worker):
    return client_for(lab_worker)


def test_queue_lists_filters_and_searches_orders(lab, hospital, make_order):
    paid = make_order("paid")
    sampled = make_order("sample_collected")

    page = lab.get(url(hospital, "orders/"))
    filtered = lab.get(url(hospital, "orders/?status=paid"))
    searched = lab.get(url(hospital, f"orders/?q={sampled.accession}"))

    assert page.status_code == 200
    assert {o.pk for o in page.context["page_obj"]} == {paid.pk, sampled.pk}
    assert [o.pk for o in filtered.context["page_obj"]] == [paid.pk]
    assert [o.pk for o in searched.context["page_obj"]] == [sampled.pk]


def test_collect_gives_an_accession_and_a_label_with_it(lab, hospital, make_order):
    order = make_order("paid")

    response = lab.post(url(hospital, f"orders/{order.pk}/collect/"), follow=True)
    order.refresh_from_db()
    label = lab.get(url(hospital, f"orders/{order.pk}/label/"))

    assert order.status == "sample_collected" and order.accession.startswith("GL-")
    assert order.accession in response.content.decode()
    assert label["Content-Type"] == "application/pdf"
    assert order.accession in PdfReader(io.BytesIO(label.content)).pages[0].extract_text()


def test_collecting_an_unpaid_order_is_refused_with_a_message(lab, hospital, make_order):
    order = make_order("awaiting_payment")

    response = lab.post(url(hospital, f"orders/{order.pk}/collect/"), follow=True)
    order.refresh_from_db()

    assert order.status == "awaiting_payment" and not order.accession
    assert "cannot become sample collected" in response.content.decode()


def test_results_form_shows_units_and_saves_values(lab, hospital, make_order, haemoglobin):
    order = make_order("sample_collected")

    page = lab.get(url(hospital, f"orders/{order.pk}/")).content.decode()
    response = lab.post(url(hospital, f"orders/{order.pk}/results/"), {str(haemoglobin.pk): "12.5"})
    order.refresh_from_db()

    assert f'name="{haemoglobin.pk}"' in page and "g/dL" in page
    assert response.status_code == 302 and order.status == "in_progress"
    assert order.results.get().value_text == "12.5"


@pytest.mark.parametrize("value, message", [
    ("abc", "Haemoglobin must be a number."),
    ("-3", "Haemoglobin cannot be negative."),
    ("1000000000", "is not a plausible Haemoglobin"),
])
def test_bad_result_comes_back_beside_its_field_and_nothing_is_saved(lab, hospital, make_order, haemoglobin,
                                                                      value, message):
    order = make_order("sample_collected")

    response = lab.post(url(hospital, f"orders/{order.pk}/results/"), {str(haemoglobin.pk): value})

    assert response.status_code == 400
    assert response.context["results_form"].errors[str(haemoglobin.pk)][0].startswith(message.split(" is")[0]) \
        or message in response.context["results_form"].errors[str(haemoglobin.pk)][0]
    assert f'id="id_{haemoglobin.pk}_error"' in response.content.decode()
    assert not order.results.exists()


def test_a_value_for_an_analyte_not_in_the_order_is_refused(lab, hospital, make_order, haemoglobin_test):
    from labs.tests.factories import AnalyteFactory

    stranger = AnalyteFactory(lab_test__hospital=hospital)
    order = make_order("sample_collected", tests=[haemoglobin_test])

    response = lab.post(url(hospital, f"orders/{order.pk}/results/"),
                        {str(stranger.pk): "1.0", str(haemoglobin_test.analytes.get().pk): "13"})

    # A field the form does not have is never read: only the order's analytes are saved.
    assert response.status_code == 302
    assert list(order.results.values_list("analyte_id", flat=True)) == [haemoglobin_test.analytes.get().pk]


def test_verify_with_missing_results_names_them(lab, hospital, make_order, haemoglobin):
    order = make_order("sample_collected")
    lab.post(url(hospital, f"orders/{order.pk}/results/"), {str(haemoglobin.pk): "12.5"})

    response = lab.post(url(hospital, f"orders/{order.pk}/verify/"), follow=True)
    order.refresh_from_db()

    assert order.status == "in_progress"
    assert "No result for Fasting glucose yet." in response.content.decode()


def test_verify_reports_and_the_staff_download_the_pdf_logged(lab, hospital, make_order, lab_worker):
    order = make_order("in_progress")

    lab.post(url(hospital, f"orders/{order.pk}/verify/"))
    order.refresh_from_db()
    before = AccessLog.objects.count()
    pdf = lab.get(url(hospital, f"orders/{order.pk}/report/"))

    assert order.status == "reported"
    assert pdf["Content-Type"] == "application/pdf" and pdf["X-Content-Type-Options"] == "nosniff"
    assert AccessLog.objects.count() == before + 1
    row = AccessLog.objects.order_by("-sequence").first()
    assert (row.accessor, row.object_type, row.role) == (lab_worker, "lab_report", "lab_worker")


def test_entering_results_on_a_reported_order_is_refused(lab, hospital, make_order, haemoglobin):
    order = make_order("reported")

    response = lab.post(url(hospital, f"orders/{order.pk}/results/"), {str(haemoglobin.pk): "9.0"}, follow=True)

    assert "a reported result never changes" in response.content.decode()
    assert order.reports.get().results.get(analyte=haemoglobin).value_text == "13.0"


def test_amend_needs_a_reason_and_keeps_both_versions(lab, hospital, make_order, haemoglobin):
    order = make_order("reported")
    amend_url = url(hospital, f"orders/{order.pk}/amend/")

    refused = lab.post(amend_url, {str(haemoglobin.pk): "9.0", "reason": ""})
    done = lab.post(amend_url, {str(haemoglobin.pk): "9.0", "reason": "Transcription error"})
    page = lab.get(url(hospital, f"orders/{order.pk}/")).content.decode()

    assert refused.status_code == 400 and refused.context["form"].errors["reason"]
    assert done.status_code == 302
    assert list(order.reports.order_by("version").values_list("version", flat=True)) == [1, 2]
    assert page.count('data-testid="report-version"') == 2 and "Transcription error" in page


def test_order_page_reads_are_logged_with_the_prescription(lab, hospital, make_order, lab_worker):
    order = make_order("paid")
    before = AccessLog.objects.count()

    page = lab.get(url(hospital, f"orders/{order.pk}/"))

    rows = list(AccessLog.objects.order_by("sequence")[before:])
    assert page.status_code == 200 and 'data-testid="prescription"' in page.content.decode()
    assert [(r.object_type, r.accessor_id, r.patient_id) for r in rows] == [
        ("lab_order", lab_worker.pk, order.patient_id), ("prescription", lab_worker.pk, order.patient_id)]


def test_another_hospitals_order_is_404(lab, make_order, other_hospital, hospital):
    order = make_order("paid")
    LabOrder.objects.filter(pk=order.pk).update(hospital=other_hospital)

    assert lab.get(url(hospital, f"orders/{order.pk}/")).status_code == 404
    assert lab.post(url(hospital, f"orders/{order.pk}/collect/")).status_code == 404


# --- The catalogue ------------------------------------------------------------------------------------------


def test_create_a_test_then_an_analyte_then_a_range(lab, hospital):
    response = lab.post(url(hospital, "tests/new/"), {
        "code": "TSH", "name": "Thyroid stimulating hormone", "section": "immunology",
        "sample_type": "Venous blood (serum)", "price": "900", "turnaround_hours": "24", "active": "on"})
    test = LabTest.objects.get(hospital=hospital, code="TSH")
    analyte_response = lab.post(url(hospital, f"tests/{test.pk}/analytes/new/"), {
        "analyte-name": "TSH", "analyte-unit": "mIU/L", "analyte-result_kind": "numeric", "analyte-decimals": "2",
        "analyte-order": "1", "analyte-max_value": "1000"})
    analyte = test.analytes.get()
    range_response = lab.post(url(hospital, f"tests/{test.pk}/analytes/{analyte.pk}/"), {
        "action": "range", "range-sex": "any", "range-age_from_days": "6575", "range-low": "0.4",
        "range-high": "4.0"})

    assert response.status_code == 302 and analyte_response.status_code == 302 and range_response.status_code == 302
    assert analyte.ranges.get().high == Decimal("4.0")


def test_duplicate_code_is_refused_beside_the_field(lab, hospital, haemoglobin_test):
    response = lab.post(url(hospital, "tests/new/"), {
        "code": "hb", "name": "Again", "section": "haematology", "sample_type": "Blood", "price": "10",
        "turnaround_hours": "2"})

    assert response.status_code == 400
    assert "already has a test with the code" in response.context["form"].errors["code"][0]


def test_overlapping_range_is_refused_with_the_services_message(lab, hospital, haemoglobin_test, haemoglobin):
    response = lab.post(url(hospital, f"tests/{haemoglobin_test.pk}/analytes/{haemoglobin.pk}/"), {
        "action": "range", "range-sex": "female", "range-age_from_days": "7000", "range-low": "11",
        "range-high": "16"})

    assert response.status_code == 400
    assert "overlaps the female range" in response.context["range_form"].errors["age_from_days"][0]
    assert ReferenceRange.objects.filter(analyte=haemoglobin).count() == 4


def test_withdrawing_a_test_takes_it_off_the_catalogue(lab, hospital, haemoglobin_test):
    lab.post(url(hospital, f"tests/{haemoglobin_test.pk}/toggle/"))
    haemoglobin_test.refresh_from_db()
    listed = lab.get(url(hospital, "tests/?active=yes"))

    assert not haemoglobin_test.active
    assert haemoglobin_test not in list(listed.context["page_obj"])


def test_catalogue_search(lab, hospital, haemoglobin_test, glucose_test):
    found = lab.get(url(hospital, "tests/?q=fasting"))

    assert list(found.context["page_obj"]) == [glucose_test]


def test_another_hospitals_test_is_404(lab, hospital, other_hospital):
    from labs.tests.factories import LabTestFactory

    theirs = LabTestFactory(hospital=other_hospital)

    assert lab.get(url(hospital, f"tests/{theirs.pk}/")).status_code == 404
    assert lab.post(url(hospital, f"tests/{theirs.pk}/toggle/")).status_code == 404


# --- Critical values ------------------------------------------------------------------------------------------


def test_doctor_dashboard_shows_the_critical_result_until_acknowledged(client_for, doctor, hospital, critical_order,
                                                                        lab_worker):
    client = client_for(doctor)
    report = critical_order.reports.get()

    dashboard = client.get(f"/manage/{hospital.slug}/").content.decode()
    with time_machine.travel(NOW, tick=False):
        client.post(f"/manage/{hospital.slug}/lab/reports/{report.pk}/acknowledge/",
                    {"next": f"/manage/{hospital.slug}/"})
    after = client.get(f"/manage/{hospital.slug}/").content.decode()
    critical_order.refresh_from_db()
    desk_page = client_for(lab_worker).get(url(hospital, f"orders/{critical_order.pk}/")).content.decode()

    assert 'data-testid="critical-results"' in dashboard and critical_order.accession in dashboard
    assert critical_order.critical_acknowledged_by == doctor
    assert 'data-testid="critical-results"' not in after
    assert "acknowledged by Kamal Hossain" in desk_page


def test_acknowledgement_prints_on_the_report(client_for, doctor, critical_order):
    from labs.pdf import report_pdf
    from labs.services import acknowledge_critical

    report = critical_order.reports.get()
    acknowledge_critical(report=report, by=doctor, now=NOW)

    text = " ".join(PdfReader(io.BytesIO(report_pdf(report))).pages[0].extract_text().split())

    assert "Critical result acknowledged by Kamal Hossain" in text


def test_lab_worker_cannot_acknowledge(lab, hospital, critical_order):
    report = critical_order.reports.get()

    response = lab.post(url(hospital, f"reports/{report.pk}/acknowledge/"), follow=True)
    critical_order.refresh_from_db()

    assert critical_order.critical_acknowledged_at is None
    assert "Only the ordering doctor" in response.content.decode()


# --- Navigation and the dashboard --------------------------------------------------------------------------------


def test_lab_worker_starts_on_the_lab_desk_with_its_links(lab, hospital, make_order):
    make_order("paid")

    landing = lab.get(f"/manage/{hospital.slug}/")
    desk = lab.get(landing["Location"]).content.decode()

    assert landing.status_code == 302 and landing["Location"] == f"/manage/{hospital.slug}/lab/"
    assert f'href="/manage/{hospital.slug}/lab/orders/"' in desk and f'href="/manage/{hospital.slug}/lab/tests/"' in desk
    assert f'href="/manage/{hospital.slug}/lab/orders/?status=paid"' in desk


def test_admin_dashboard_has_the_lab_panel_and_receptionists_see_no_lab_link(client_for, hospital_admin,
                                                                            receptionist, hospital):
    admin_page = client_for(hospital_admin).get(f"/manage/{hospital.slug}/").content.decode()
    reception = client_for(receptionist).get(f"/manage/{hospital.slug}/reception/").content.decode()

    assert 'data-testid="lab-desk-panel"' in admin_page and f"/manage/{hospital.slug}/lab/tests/" in admin_page
    assert "/lab/" not in reception
