"""The lab desk's counts, the queue's filters and search, the patient's orders and reports, and trends:
each read costs the same number of queries with ten times the rows."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.tests.factories import PatientFactory
from labs import selectors, services
from labs.models import LabOrder
from records.permissions import EVERYTHING, RecordScope

from .conftest import NOW, default_values
from .factories import AnalyteFactory, LabTestFactory, ReferenceRangeFactory

pytestmark = pytest.mark.django_db


def test_lab_desk_counts(make_order, lab_worker, hospital, other_hospital):
    make_order("paid")
    make_order("paid")
    late = make_order("sample_collected")  # due 6 h after NOW
    make_order("in_progress")
    make_order("reported")  # reported at NOW: 10:30 in Dhaka
    make_order("awaiting_payment")
    LabOrder.objects.create(hospital=other_hospital, patient=late.patient, status="paid")

    counts = selectors.lab_desk_counts(hospital, now=NOW + timedelta(hours=7))

    assert counts == {"awaiting_sample": 2, "in_progress": 2, "reported_today": 1, "overdue": 2,
                      "critical_unacknowledged": 0}
    # 00:30 the next day in Dhaka (18:30 UTC): a new day, nothing reported yet.
    assert selectors.lab_desk_counts(hospital, now=datetime(2026, 3, 5, 18, 30, tzinfo=UTC))["reported_today"] == 0
    assert selectors.lab_desk_counts(hospital, now=NOW + timedelta(hours=1))["overdue"] == 0


def test_lab_queue_filters_and_searches(make_order, hospital):
    paid = make_order("paid")
    sampled = make_order("sample_collected")
    other_patient = PatientFactory(full_name="Rahim Uddin")
    theirs = make_order("paid", patient=other_patient)
    services.add_to_cart(patient=other_patient, lab_test=paid.lines.first().lab_test)  # carts never show

    assert {o.pk for o in selectors.lab_queue(hospital)} == {paid.pk, sampled.pk, theirs.pk}
    assert [o.pk for o in selectors.lab_queue(hospital, status="sample_collected")] == [sampled.pk]
    assert [o.pk for o in selectors.lab_queue(hospital, q="rahim")] == [theirs.pk]
    number = other_patient.patient_profile.patient_number
    assert [o.pk for o in selectors.lab_queue(hospital, q=number.lower())] == [theirs.pk]
    assert [o.pk for o in selectors.lab_queue(hospital, q=sampled.accession)] == [sampled.pk]
    assert {o.pk for o in selectors.lab_queue(hospital, status="bogus")} == {paid.pk, sampled.pk, theirs.pk}


def test_lab_queue_filters_match_the_desk_counts(make_order, hospital, glucose_test, haemoglobin_test):
    from .conftest import default_values

    make_order("paid")
    sampled = make_order("sample_collected")  # due 6 h after NOW
    started = make_order("in_progress")
    values = default_values([haemoglobin_test, glucose_test])
    values[glucose_test.analytes.get(name="Fasting glucose")] = "30.0"
    critical = make_order("reported", values=values)  # reported at NOW: 10:30 in Dhaka
    later = NOW + timedelta(hours=7)

    def ids(status, now=later):
        return {o.pk for o in selectors.lab_queue(hospital, status=status, now=now)}

    counts = selectors.lab_desk_counts(hospital, now=later)
    assert ids("at_lab") == {sampled.pk, started.pk} and counts["in_progress"] == 2
    assert ids("overdue") == {sampled.pk, started.pk} and ids("overdue", NOW) == set()
    assert ids("reported_today") == {critical.pk} and counts["reported_today"] == 1
    assert ids("reported_today", datetime(2026, 3, 5, 18, 30, tzinfo=UTC)) == set()
    assert ids("critical") == {critical.pk} and counts["critical_unacknowledged"] == 1


def test_query_counts_stay_flat_with_ten_times_the_orders(make_order, hospital, female_patient,
                                                          django_assert_max_num_queries):
    def read_all():
        for order in selectors.lab_queue(hospital):
            [(line.lab_test.name, order.patient.patient_profile.patient_number) for line in order.lines.all()]
        for cart in selectors.patient_carts(female_patient):
            services.cart_problems(cart, lines=cart.lines.all())
        for order in selectors.patient_orders(female_patient):
            [line.lab_test.name for line in order.lines.all()]
        for report in selectors.patient_reports(female_patient):
            [(r.analyte.name, r.line.lab_test.name, r.range_text) for r in report.results.all()]
            report.order.ordering_membership.user.doctor_profile.display_name
        selectors.analyte_trends(female_patient)
        selectors.lab_desk_counts(hospital, now=NOW)

    make_order("reported")
    make_order("cart")
    with django_assert_max_num_queries(15) as small:
        read_all()
    for _ in range(9):
        make_order("reported")
    with django_assert_max_num_queries(len(small.captured_queries)):
        read_all()


def test_patient_reports_are_the_current_versions_within_scope(make_order, lab_worker, female_patient,
                                                               other_hospital):
    order = make_order("reported")
    first = order.reports.get()
    hb = first.results.get(analyte__name="Haemoglobin").analyte
    second = services.amend_report(report=first, values={hb.pk: "12.2"}, by=lab_worker, reason="Recheck", now=NOW)

    assert list(selectors.patient_reports(female_patient)) == [second]
    assert list(selectors.report_versions(order)) == [second, first]
    assert list(selectors.patient_reports(female_patient, current_only=False)) == [second, first]
    elsewhere = RecordScope(all_hospitals=False, hospital_ids=frozenset({other_hospital.pk}))
    assert list(selectors.patient_reports(female_patient, scope=elsewhere)) == []


def test_trends_join_one_analyte_across_hospitals_within_scope(female_patient, hospital, other_hospital, lab_worker):
    from hospitals.tests.factories import MembershipFactory

    other_worker = MembershipFactory(hospital=other_hospital, role="lab_worker").user

    def hba1c_at(place):
        test = LabTestFactory(hospital=place, code="HBA1C", name="HbA1c", price=Decimal("800"))
        analyte = AnalyteFactory(lab_test=test, name="HbA1c", unit="%", decimals=1)
        ReferenceRangeFactory(analyte=analyte, low=Decimal("4.0"), high=Decimal("5.6"))
        return test, analyte

    here, elsewhere = hba1c_at(hospital), hba1c_at(other_hospital)
    readings = [(here, lab_worker, "7.9", date(2025, 3, 1)), (elsewhere, other_worker, "7.1", date(2025, 7, 1)),
                (here, lab_worker, "6.4", date(2025, 12, 1))]
    for (test, analyte), worker, value, day in readings:
        when = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=4)
        order = services.order_tests(patient=female_patient, hospital=test.hospital, tests=[test], now=when)
        services.mark_order_paid(order=order, by=female_patient, now=when)
        services.collect_sample(order=order, by=worker, now=when)
        services.enter_results(order=order, values={analyte.pk: value}, by=worker, now=when)
        services.verify_and_report(order=order, by=worker, now=when)

    [trend] = selectors.analyte_trends(female_patient, scope=EVERYTHING)
    assert (trend.name, trend.unit) == ("HbA1c", "%")
    assert [(p.value, p.flag, p.hospital_name) for p in trend.points] == [
        (Decimal("7.9"), "H", hospital.name), (Decimal("7.1"), "H", other_hospital.name),
        (Decimal("6.4"), "H", hospital.name)]
    assert trend.band == (Decimal("4.0"), Decimal("5.6"))
    own_only = RecordScope(all_hospitals=False, hospital_ids=frozenset({hospital.pk}))
    [narrowed] = selectors.analyte_trends(female_patient, scope=own_only)
    assert [p.value for p in narrowed.points] == [Decimal("7.9"), Decimal("6.4")]
    assert selectors.analyte_trends(PatientFactory()) == []


def test_critical_results_awaiting_the_doctor(make_order, lab_worker, doctor):
    order = make_order("sample_collected")
    analytes = {a.name: a.pk for line in order.lines.all() for a in line.lab_test.analytes.all()}
    services.enter_results(order=order, values={analytes["Haemoglobin"]: "5.0", analytes["Fasting glucose"]: "5.0",
                                                analytes["Urine glucose"]: "Nil"}, by=lab_worker, now=NOW)
    report = services.verify_and_report(order=order, by=lab_worker, now=NOW)

    assert [o.pk for o in selectors.critical_results_awaiting(doctor)] == [order.pk]
    services.acknowledge_critical(report=report, by=doctor, now=NOW)
    assert list(selectors.critical_results_awaiting(doctor)) == []


def test_patient_order_rows_for_the_orders_page(make_order, female_patient, django_assert_max_num_queries):
    reported = make_order("reported")
    make_order("cart")

    with django_assert_max_num_queries(2):
        rows = selectors.patient_order_rows(female_patient)

    assert [(r.reference, r.status, r.summary, r.total, r.tone) for r in rows] == [
        (reported.accession, "reported", "HB, FBS", Decimal("500.00"), "success")]


def _trend(values, low, high):
    when = datetime(2026, 1, 1, tzinfo=UTC)
    return selectors.Trend(name="Fasting glucose", unit="mmol/L", points=[
        selectors.TrendPoint(when=when + timedelta(days=day), value=Decimal(value), flag="", hospital_name="",
                             low=None if low is None else Decimal(low), high=None if high is None else Decimal(high))
        for day, value in enumerate(values)])


@pytest.mark.parametrize("values, low, high, floor", [
    (["4.2", "30.0"], "3.9", "5.5", Decimal("0")),  # a critical value far above: padding would reach below zero
    (["0.1", "2.0"], None, "1.0", Decimal("0")),  # only an upper limit
    (["5.0", "6.0"], "3.9", "5.5", Decimal("3.585")),  # far from zero: the axis starts near the data
    (["-3.0", "1.0"], "-2.0", "2.0", Decimal("-3.75")),  # a measure that can be negative (base excess)
])
def test_trend_chart_axis_never_pads_below_zero_for_a_measure_that_is_never_negative(values, low, high, floor):
    assert _trend(values, low, high).axis_floor == floor


def test_record_page_chart_data_carries_the_axis_floor(client_for, female_patient, make_order, glucose_test):
    glucose = glucose_test.analytes.get(name="Fasting glucose")
    for value in ("4.2", "30.0"):
        make_order("reported", tests=[glucose_test], values={**default_values([glucose_test]), glucose: value})

    page = client_for(female_patient).get("/me/records/").content.decode()

    assert '"values": [4.2, 30.0]' in page and '"y_min": 0.0' in page
