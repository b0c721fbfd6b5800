"""The patient's lab pages: the public catalogue, the cart on /me/cart/, checkout, the order and report pages,
/me/orders/, and who may open each (another patient's order is a 404)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import PatientFactory
from appointments.tests.factories import AppointmentFactory
from labs import services
from labs.models import LabOrder, LabOrderLine
from payments.models import Payment
from payments.tests.conftest import sandbox  # noqa: F401  (the gateway pointed at the live sandbox)

from .factories import AnalyteFactory, LabTestFactory

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


# --- The catalogue ---------------------------------------------------------------------------------


def test_catalogue_lists_offered_tests_with_price_preparation_and_the_prescription_badge(
        client, hospital, haemoglobin_test, glucose_test):
    LabTestFactory(hospital=hospital, name="Withdrawn test", active=False)
    glucose_test.requires_prescription = True
    glucose_test.save()
    page = client.get(f"/hospitals/{hospital.slug}/lab-tests/").content.decode()
    assert "Haemoglobin" in page and "Fasting blood sugar" in page and "Withdrawn test" not in page
    assert "300.00" in page and "Fasting 8–10 h" in page and "Prescription needed" in page
    assert "Log in to order" in page  # a visitor sees the prices, not the button


def test_catalogue_searches_by_code_or_name_and_filters_by_section(client, hospital, haemoglobin_test, glucose_test):
    url = f"/hospitals/{hospital.slug}/lab-tests/"
    by_code = client.get(url, {"q": "fbs"}).content.decode()
    assert "Fasting blood sugar" in by_code and 'data-lab-test="HB"' not in by_code
    by_section = client.get(url, {"section": "haematology"}).content.decode()
    assert 'data-lab-test="HB"' in by_section and 'data-lab-test="FBS"' not in by_section
    nothing = client.get(url, {"q": "zzz", "section": "not-a-section"})
    assert nothing.status_code == 200 and "No test matches" in nothing.content.decode()


def test_the_hospital_page_links_its_lab_tests(client, hospital, doctor_membership):
    page = client.get(f"/hospitals/{hospital.slug}/").content.decode()
    assert f'href="/hospitals/{hospital.slug}/lab-tests/"' in page


def test_an_unlisted_hospitals_catalogue_is_a_404(client, hospital):
    assert client.get("/hospitals/no-such-hospital/lab-tests/").status_code == 404


def test_catalogue_queries_stay_flat_with_ten_times_more_tests(client, hospital):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/hospitals/{hospital.slug}/lab-tests/").status_code == 200
        return len(queries)

    for _ in range(3):
        AnalyteFactory(lab_test=LabTestFactory(hospital=hospital))
    few = count()
    for _ in range(30):
        AnalyteFactory(lab_test=LabTestFactory(hospital=hospital))
    assert count() == few <= 15


# --- Adding to the cart ----------------------------------------------------------------------------


def test_add_to_cart_puts_the_test_in_the_hospitals_cart(client_for, female_patient, hospital, haemoglobin_test):
    response = client_for(female_patient).post(f"/hospitals/{hospital.slug}/lab-tests/{haemoglobin_test.pk}/add/",
                                               {"next": f"/hospitals/{hospital.slug}/lab-tests/?q=hb"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/hospitals/{hospital.slug}/lab-tests/?q=hb"
    assert "Haemoglobin is in your cart for Green Life Hospital." in _messages(response)
    assert LabOrderLine.objects.filter(order__patient=female_patient, lab_test=haemoglobin_test).exists()


def test_add_to_cart_tells_why_a_prescription_only_test_cannot_be_added(client_for, female_patient, hospital,
                                                                        glucose_test):
    glucose_test.requires_prescription = True
    glucose_test.save()
    response = client_for(female_patient).post(f"/hospitals/{hospital.slug}/lab-tests/{glucose_test.pk}/add/",
                                               follow=True)
    assert response.status_code == 200
    assert any("needs a prescription" in message for message in _messages(response))
    assert not LabOrder.objects.filter(patient=female_patient).exists()


def test_add_to_cart_with_someone_elses_prescription_is_refused(client_for, female_patient, hospital, glucose_test,
                                                                issued_prescription):
    glucose_test.requires_prescription = True
    glucose_test.save()
    theirs = issued_prescription([glucose_test], patient=PatientFactory())
    response = client_for(female_patient).post(f"/hospitals/{hospital.slug}/lab-tests/{glucose_test.pk}/add/",
                                               {"prescription": theirs.pk}, follow=True)
    assert "Choose one of your issued prescriptions." in _messages(response)
    assert not LabOrder.objects.filter(patient=female_patient).exists()


def test_add_to_cart_with_the_patients_own_prescription_works(client_for, female_patient, hospital, glucose_test,
                                                              issued_prescription):
    glucose_test.requires_prescription = True
    glucose_test.save()
    mine = issued_prescription([glucose_test])
    client_for(female_patient).post(f"/hospitals/{hospital.slug}/lab-tests/{glucose_test.pk}/add/",
                                    {"prescription": mine.pk})
    assert LabOrderLine.objects.get(order__patient=female_patient).prescription == mine


def test_another_hospitals_test_id_is_a_404(client_for, female_patient, hospital, other_hospital):
    elsewhere = LabTestFactory(hospital=other_hospital)
    response = client_for(female_patient).post(f"/hospitals/{hospital.slug}/lab-tests/{elsewhere.pk}/add/")
    assert response.status_code == 404
    assert client_for(female_patient).post(f"/hospitals/{hospital.slug}/lab-tests/abc/add/").status_code == 404


def test_two_hospitals_make_two_carts(client_for, female_patient, hospital, other_hospital, haemoglobin_test):
    elsewhere = LabTestFactory(hospital=other_hospital, name="Lipid profile")
    client = client_for(female_patient)
    client.post(f"/hospitals/{hospital.slug}/lab-tests/{haemoglobin_test.pk}/add/")
    client.post(f"/hospitals/{other_hospital.slug}/lab-tests/{elsewhere.pk}/add/")
    carts = LabOrder.objects.filter(patient=female_patient, status="cart")
    assert sorted(cart.hospital.slug for cart in carts) == ["green-life", "riverside"]
    assert all(cart.lines.count() == 1 for cart in carts)
    page = client.get("/me/cart/").content.decode()
    assert page.count('data-testid="lab-cart"') == 2


def test_anonymous_add_to_cart_goes_to_log_in(client, hospital, haemoglobin_test):
    response = client.post(f"/hospitals/{hospital.slug}/lab-tests/{haemoglobin_test.pk}/add/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- The cart --------------------------------------------------------------------------------------


def test_cart_shows_lines_total_preparation_and_checkout(client_for, female_patient, make_order):
    cart = make_order("cart")
    page = client_for(female_patient).get("/me/cart/").content.decode()
    assert "Haemoglobin" in page and "Fasting blood sugar" in page
    assert "500.00" in page  # 300 + 200
    assert "Fasting 8–10 h" in page
    assert f'action="/me/lab-cart/{cart.pk}/checkout/"' in page


def test_cart_says_when_a_test_was_repriced_or_withdrawn_and_accepting_applies_it(
        client_for, female_patient, make_order, haemoglobin_test, glucose_test):
    cart = make_order("cart")
    services.update_lab_test(lab_test=haemoglobin_test, by=None, price="350.00")
    services.update_lab_test(lab_test=glucose_test, by=None, active=False)
    client = client_for(female_patient)
    page = client.get("/me/cart/").content.decode()
    assert 'data-testid="cart-problems"' in page and "no longer offered" in page and "changed from" in page
    refused = client.post(f"/me/lab-cart/{cart.pk}/checkout/", follow=True)
    assert LabOrder.objects.get(pk=cart.pk).status == "cart"
    assert any("changed from" in message for message in _messages(refused))
    client.post(f"/me/lab-cart/{cart.pk}/accept-changes/")
    lines = list(LabOrderLine.objects.filter(order=cart))
    assert [(line.lab_test, line.price) for line in lines] == [(haemoglobin_test, Decimal("350.00"))]
    assert 'data-testid="cart-problems"' not in client.get("/me/cart/").content.decode()


def test_checkout_under_the_gateways_smallest_payment_says_so_and_keeps_the_cart(client_for, female_patient, hospital):
    cheap = LabTestFactory(hospital=hospital, price=Decimal("5.00"))
    cart = services.add_to_cart(patient=female_patient, lab_test=cheap).order
    refused = client_for(female_patient).post(f"/me/lab-cart/{cart.pk}/checkout/", follow=True)

    assert LabOrder.objects.get(pk=cart.pk).status == "cart" and not Payment.objects.exists()
    assert "The smallest amount that can be paid online is BDT 10.00; add a little more." in _messages(refused)


def test_remove_line_takes_a_test_out(client_for, female_patient, make_order, haemoglobin_test):
    cart = make_order("cart")
    line = cart.lines.get(lab_test=haemoglobin_test)
    client_for(female_patient).post(f"/me/lab-cart/lines/{line.pk}/remove/")
    assert list(cart.lines.values_list("lab_test__code", flat=True)) == ["FBS"]


def test_another_patients_cart_and_lines_are_404(client_for, make_order):
    cart = make_order("cart")
    stranger = client_for(PatientFactory())
    line = cart.lines.first()
    assert stranger.post(f"/me/lab-cart/lines/{line.pk}/remove/").status_code == 404
    assert stranger.post(f"/me/lab-cart/{cart.pk}/checkout/").status_code == 404
    assert stranger.post(f"/me/lab-cart/{cart.pk}/accept-changes/").status_code == 404
    assert cart.lines.count() == 2 and LabOrder.objects.get(pk=cart.pk).status == "cart"


def test_checkout_fixes_the_amount_and_goes_straight_to_the_gateway(sandbox, client_for, female_patient,  # noqa: F811
                                                                     make_order):
    cart = make_order("cart")
    response = client_for(female_patient).post(f"/me/lab-cart/{cart.pk}/checkout/")
    order = LabOrder.objects.get(pk=cart.pk)
    assert order.status == "awaiting_payment" and order.amount == Decimal("500.00")
    payment = Payment.objects.get()
    assert (payment.amount, payment.object_id) == (Decimal("500.00"), order.pk)
    assert response.status_code == 303
    assert response["Location"] == f"{sandbox}/sandbox/sslcommerz/checkout/{payment.sessionkey}/"


def test_checkout_with_the_gateway_down_opens_the_order_with_its_pay_button(client_for, female_patient, make_order,
                                                                            settings):
    settings.SSLCOMMERZ_BASE_URL = "http://127.0.0.1:9/sandbox/sslcommerz"
    cart = make_order("cart")
    response = client_for(female_patient).post(f"/me/lab-cart/{cart.pk}/checkout/", follow=True)
    assert response.redirect_chain[-1][0] == f"/me/lab-orders/{cart.pk}/"
    order = LabOrder.objects.get(pk=cart.pk)
    assert order.status == "awaiting_payment" and order.amount == Decimal("500.00")
    page = response.content.decode()
    assert f'action="/payments/lab_order/{order.pk}/start/"' in page
    assert "Fasting 8–10 h" in page
    assert _messages(response) == ["The payment gateway is not answering. Please try again in a minute."]


def test_cart_queries_stay_flat_with_ten_times_more_lines(client_for, female_patient, hospital, other_hospital):
    client = client_for(female_patient)

    def fill(count, where):
        for _ in range(count):
            services.add_to_cart(patient=female_patient, lab_test=LabTestFactory(hospital=where, preparation="Fast"))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/me/cart/").status_code == 200
        return len(queries)

    fill(2, hospital)
    few = count()
    fill(20, hospital)
    fill(20, other_hospital)
    assert count() == few <= 15


# --- Orders and reports ------------------------------------------------------------------------------


def test_me_orders_lists_lab_orders(client_for, female_patient, make_order):
    order = make_order("awaiting_payment")
    page = client_for(female_patient).get("/me/orders/").content.decode()
    assert f'href="/me/lab-orders/{order.pk}/"' in page and "HB, FBS" in page


def test_order_page_shows_status_history_amount_and_cancel_with_refund_explained(client_for, female_patient,
                                                                                 make_order):
    order = make_order("paid")
    page = client_for(female_patient).get(f"/me/lab-orders/{order.pk}/").content.decode()
    assert "Paid, awaiting sample" in page and "500.00" in page and "Awaiting payment" in page
    assert "the full amount is refunded" in page
    assert f'action="/me/lab-orders/{order.pk}/cancel/"' in page


def test_cancel_before_collection_cancels_and_after_collection_is_refused(client_for, female_patient, make_order):
    unpaid = make_order("awaiting_payment")
    client = client_for(female_patient)
    client.post(f"/me/lab-orders/{unpaid.pk}/cancel/")
    assert LabOrder.objects.get(pk=unpaid.pk).status == "cancelled"
    collected = make_order("sample_collected")
    response = client.post(f"/me/lab-orders/{collected.pk}/cancel/", follow=True)
    assert LabOrder.objects.get(pk=collected.pk).status == "sample_collected"
    assert any("can no longer be cancelled" in message for message in _messages(response))


def test_report_shows_results_ranges_flags_pdf_and_verify_links(client_for, female_patient, make_order,
                                                                haemoglobin, glucose_test):
    glucose = glucose_test.analytes.get(name="Fasting glucose")
    urine = glucose_test.analytes.get(name="Urine glucose")
    order = make_order("reported", values={haemoglobin: "6.1", glucose: "7.0", urine: "Nil"})
    report = order.reports.get()
    client = client_for(female_patient)
    page = client.get(f"/me/lab-orders/{order.pk}/").content.decode()
    assert "6.1 g/dL" in page and "12–15.5" in page and "Critically low" in page and ">H<" in page
    assert f'href="/me/lab-reports/{report.pk}/pdf/"' in page
    assert f'href="/verify/{report.document_code.code}/"' in page
    assert client.get(f"/me/lab-reports/{report.pk}/").status_code == 200


@pytest.mark.parametrize("who, expected", [("patient", 200), ("other_patient", 404), ("doctor", 404),
                                           ("lab_worker", 404), ("anonymous", 302)])
def test_patient_page_access_matrix(who, expected, client, client_for, female_patient, make_order, doctor,
                                    lab_worker):
    order = make_order("reported")
    report = order.reports.get()
    users = {"patient": female_patient, "other_patient": PatientFactory(), "doctor": doctor,
             "lab_worker": lab_worker, "anonymous": None}
    user = users[who]
    browser = client_for(user) if user else client
    for url in (f"/me/lab-orders/{order.pk}/", f"/me/lab-reports/{report.pk}/"):
        response = browser.get(url)
        assert response.status_code == expected, url
        if expected == 302:
            assert "/accounts/login/" in response["Location"]
    for url in (f"/me/lab-orders/{order.pk}/cancel/",):
        assert browser.post(url).status_code == (302 if who in ("patient", "anonymous") else 404)


def test_the_patient_downloads_the_report_pdf_and_another_patient_gets_a_404(client_for, female_patient,
                                                                             make_order):
    report = make_order("reported").reports.get()
    response = client_for(female_patient).get(f"/me/lab-reports/{report.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "attachment" in response["Content-Disposition"]
    assert client_for(PatientFactory()).get(f"/me/lab-reports/{report.pk}/pdf/").status_code == 404


def test_order_and_report_page_queries_stay_flat_with_more_orders(client_for, female_patient, make_order):
    client = client_for(female_patient)
    order = make_order("reported")

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    first_orders, first_order = count("/me/orders/"), count(f"/me/lab-orders/{order.pk}/")
    for _ in range(5):
        make_order("reported")
    assert count("/me/orders/") == first_orders <= 15
    assert count(f"/me/lab-orders/{order.pk}/") == first_order <= 15


# --- The record ------------------------------------------------------------------------------------------


def test_reports_join_the_timeline_and_repeated_values_make_a_trend(client_for, female_patient, make_order,
                                                                   haemoglobin, haemoglobin_test):
    for value in ("12.5", "11.0", "13.1"):
        make_order("reported", tests=[haemoglobin_test], values={haemoglobin: value})
    page = client_for(female_patient).get("/me/records/").content.decode()
    assert page.count('record-entry-lab_report') == 3
    assert 'data-testid="lab-trends"' in page and "vendor/chartjs/chart.umd.js" in page
    assert '"values": [12.5, 11.0, 13.1]' in page and '"low": 12.0' in page
    # The table beside the chart gives each value as the lab reported it, and the range plainly.
    table = page[page.index('data-testid="lab-trends"'):]
    assert ">11.0 <span" in table and "12.500000" not in table and "12.500" not in table
    assert "12–" in table or "12.0–" in table
    only_reports = client_for(female_patient).get("/me/records/?kind=lab_report").content.decode()
    assert only_reports.count('record-entry-lab_report') == 3


def test_the_doctor_sees_trends_only_from_hospitals_the_consent_allows(client_for, female_patient, make_order,
                                                                      haemoglobin, haemoglobin_test, doctor,
                                                                      doctor_membership, hospital, other_hospital):
    AppointmentFactory(membership=doctor_membership, patient=female_patient, date=date(2026, 2, 1),
                       status="completed")
    for value in ("12.5", "11.0"):
        make_order("reported", tests=[haemoglobin_test], values={haemoglobin: value})
    url = f"/manage/{hospital.slug}/patients/{female_patient.pk}/"
    page = client_for(doctor).get(url).content.decode()
    assert 'data-testid="lab-trends"' in page and page.count("record-entry-lab_report") == 2
    # With sharing off, a doctor elsewhere would see none of this hospital's reports: the scope decides.
    from records.permissions import RecordScope
    from labs.selectors import analyte_trends, timeline_reports

    elsewhere_only = RecordScope(all_hospitals=False, hospital_ids=frozenset({other_hospital.pk}))
    assert analyte_trends(female_patient, scope=elsewhere_only) == []
    assert timeline_reports(female_patient, scope=elsewhere_only) == []
