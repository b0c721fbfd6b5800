"""From sample to report: accession numbers, results checked as typed, flags computed at verification,
amended versions that keep the old one, critical alerts, their acknowledgement and escalation."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from accounts.tests.factories import PatientFactory
from appointments.tests.factories import AppointmentFactory
from healthstack.models import DocumentCode
from hospitals.tests.factories import MembershipFactory
from labs import services
from labs.models import LabOrder, LabReport, LabResult
from notifications.models import Notification
from records.models import AccessLog

from .conftest import NOW
from .factories import AnalyteFactory, LabTestFactory

pytestmark = pytest.mark.django_db


def values_for(order, **by_name):
    analytes = {a.name: a for line in order.lines.all() for a in line.lab_test.analytes.all()}
    return {analytes[name.replace("_", " ")].pk: value for name, value in by_name.items()}


def test_collecting_gives_an_accession_number_per_hospital_and_year(make_order, lab_worker, hospital):
    first = make_order("sample_collected")
    second = make_order("sample_collected")

    assert re.fullmatch(r"GL-26-\d{6}", first.accession)  # hospital slug "green-life"
    assert (first.accession, second.accession) == ("GL-26-000001", "GL-26-000002")
    assert first.collected_by == lab_worker and first.collected_at == NOW
    assert first.due_at == NOW + timedelta(hours=6)  # the longest turnaround of HB (6 h) and FBS (4 h)
    next_year = make_order("paid")
    services.collect_sample(order=next_year, by=lab_worker, now=NOW.replace(year=2027))
    next_year.refresh_from_db()
    assert next_year.accession == "GL-27-000001"


def test_accession_prefix_is_the_hospitals_initials(hospital):
    hospital.slug = "dhaka-central-hospital"
    assert services.accession_prefix(hospital) == "DCH"
    hospital.slug = "ibnsina"
    assert services.accession_prefix(hospital) == "IBN"


@pytest.mark.parametrize("status", ["cart", "awaiting_payment", "sample_collected", "in_progress", "reported"])
def test_only_a_paid_order_has_its_sample_collected(make_order, lab_worker, status):
    order = make_order(status)

    with pytest.raises(services.InvalidTransition):
        services.collect_sample(order=order, by=lab_worker, now=NOW)


def test_a_rejected_sample_is_taken_again_under_the_same_accession(make_order, lab_worker):
    order = make_order("sample_collected")
    with pytest.raises(services.ResultError) as error:
        services.reject_sample(order=order, by=lab_worker, reason=" ")
    assert error.value.field == "reason"

    services.reject_sample(order=order, by=lab_worker, reason="Haemolysed")
    order.refresh_from_db()
    assert (order.status, order.collected_at) == ("paid", None)
    services.collect_sample(order=order, by=lab_worker, now=NOW + timedelta(hours=1))
    again = LabOrder.objects.get(pk=order.pk)
    assert again.accession == order.accession and again.collected_at == NOW + timedelta(hours=1)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("Haemoglobin", "twelve", "must be a number"),
    ("Haemoglobin", "-3", "cannot be negative"),
    ("Haemoglobin", "1000000000", "not a plausible"),
    ("Haemoglobin", "12.34", "at most 1 decimal"),
    ("Haemoglobin", "NaN", "must be a number"),
    ("Urine glucose", "Lots", "Choose one of: Nil, Trace, +, ++"),
])
def test_bad_results_are_refused_by_field_and_nothing_is_saved(make_order, lab_worker, name, value, message):
    order = make_order("sample_collected")
    values = values_for(order, **{name.replace(" ", "_"): value})

    with pytest.raises(services.ResultError, match=re.escape(message)) as error:
        services.enter_results(order=order, values=values, by=lab_worker, now=NOW)

    assert error.value.field == str(next(iter(values)))
    assert not LabResult.objects.exists()
    order.refresh_from_db()
    assert order.status == "sample_collected"


def test_a_value_for_an_analyte_not_in_the_order_is_refused(make_order, lab_worker, hospital, other_hospital):
    order = make_order("sample_collected")
    not_ordered = AnalyteFactory(lab_test=LabTestFactory(hospital=hospital))
    elsewhere = AnalyteFactory(lab_test=LabTestFactory(hospital=other_hospital))
    good = values_for(order, Haemoglobin="12.5")

    for key in (not_ordered.pk, elsewhere.pk, "abc"):
        with pytest.raises(services.ResultError, match="not an analyte of this order") as error:
            services.enter_results(order=order, values={**good, key: "1"}, by=lab_worker, now=NOW)
        assert error.value.message_dict == {str(key): [str(error.value)]}
    assert not LabResult.objects.exists()


def test_blank_results_are_left_out_and_nothing_typed_is_refused(make_order, lab_worker):
    order = make_order("sample_collected")

    with pytest.raises(services.ResultError, match="Enter at least one result") as error:
        services.enter_results(order=order, values=values_for(order, Haemoglobin=" ", Urine_glucose=""), by=lab_worker)
    assert error.value.field == "results"
    saved = services.enter_results(order=order, values=values_for(order, Haemoglobin="12.5", Urine_glucose=""),
                                   by=lab_worker, now=NOW)
    assert [(r.analyte.name, r.value_text) for r in saved] == [("Haemoglobin", "12.5")]


def test_results_are_saved_in_steps_and_the_order_is_in_progress(make_order, lab_worker):
    order = make_order("sample_collected")

    services.enter_results(order=order, values=values_for(order, Haemoglobin="12.5"), by=lab_worker, now=NOW)
    saved = services.enter_results(order=order, values=values_for(order, Haemoglobin="12.6", Urine_glucose="trace"),
                                   by=lab_worker, now=NOW)

    assert sorted((r.analyte.name, r.value_text) for r in saved) == [("Haemoglobin", "12.6"),
                                                                     ("Urine glucose", "Trace")]
    order.refresh_from_db()
    assert order.status == "in_progress"


def test_verify_refuses_while_a_result_is_missing(make_order, lab_worker):
    order = make_order("sample_collected")
    services.enter_results(order=order, values=values_for(order, Haemoglobin="12.5"), by=lab_worker, now=NOW)

    with pytest.raises(services.ResultError, match="No result for") as error:
        services.verify_and_report(order=order, by=lab_worker, now=NOW)

    assert set(error.value.message_dict) == {str(pk) for pk in values_for(
        order, Fasting_glucose="", Urine_glucose="")}
    assert not LabReport.objects.exists()
    order.refresh_from_db()
    assert order.status == "in_progress"


def test_verify_computes_flags_from_the_patients_sex_and_age_and_issues_version_1(make_order, lab_worker,
                                                                                  female_patient):
    order = make_order("in_progress", values=None)
    services.enter_results(order=order, values=values_for(order, Haemoglobin="16.0", Fasting_glucose="3.0"),
                           by=lab_worker, now=NOW)

    report = services.verify_and_report(order=order, by=lab_worker, now=NOW)

    results = {r.analyte.name: r for r in report.results.select_related("analyte")}
    haemoglobin = results["Haemoglobin"]
    assert (haemoglobin.flag, haemoglobin.ref_low, haemoglobin.ref_high) == ("H", Decimal("12.0"), Decimal("15.5"))
    assert results["Fasting glucose"].flag == "L"
    assert results["Urine glucose"].flag == ""
    assert (report.version, report.verified_by, report.patient_sex, report.ranges_assumed) == (
        1, lab_worker, "female", False)
    assert report.patient_age_days == (date(2026, 3, 5) - date(1990, 6, 1)).days
    assert report.document_code.kind == "lab_report" and report.document_code.patient_initials == "A.R."
    order.refresh_from_db()
    assert (order.status, order.reported_at, order.has_critical) == ("reported", NOW, False)
    assert Notification.objects.filter(user=female_patient, event="lab_report_ready").exists()


def test_a_patient_without_sex_or_birth_date_gets_the_widest_adult_range_and_the_report_says_so(
        make_order, lab_worker):
    unknown = PatientFactory()
    order = make_order("in_progress", patient=unknown, values=None)

    services.enter_results(order=order, values=values_for(order, Haemoglobin="17.0"), by=lab_worker, now=NOW)
    report = services.verify_and_report(order=order, by=lab_worker, now=NOW)

    result = report.results.get(analyte__name="Haemoglobin")
    assert (result.ref_low, result.ref_high, result.flag) == (Decimal("12.0"), Decimal("17.5"), "")
    assert report.ranges_assumed is True and report.patient_age_days is None


def test_a_reported_result_never_changes(make_order, lab_worker):
    order = make_order("reported")

    with pytest.raises(services.ResultError, match="never changes"):
        services.enter_results(order=order, values=values_for(order, Haemoglobin="9.0"), by=lab_worker, now=NOW)
    assert order.results.get(analyte__name="Haemoglobin").value_text == "13.0"


def test_amending_makes_a_new_version_and_keeps_the_old_one(make_order, lab_worker, female_patient):
    order = make_order("reported")
    first = order.reports.get()

    with pytest.raises(services.ResultError) as error:
        services.amend_report(report=first, values=values_for(order, Haemoglobin="14.1"), by=lab_worker, reason="")
    assert error.value.field == "reason"
    second = services.amend_report(report=first, values=values_for(order, Haemoglobin="14.1"), by=lab_worker,
                                   reason="Transcription error", now=NOW + timedelta(hours=1))

    assert (second.version, second.supersedes) == (2, first)
    assert first.results.get(analyte__name="Haemoglobin").value_text == "13.0"
    assert second.results.get(analyte__name="Haemoglobin").value_text == "14.1"
    assert second.results.get(analyte__name="Fasting glucose").value_text == "13.0"  # carried over
    assert list(LabReport.objects.current()) == [second]
    first.document_code.refresh_from_db()
    assert (first.document_code.status, first.document_code.superseded_by) == (
        DocumentCode.Status.SUPERSEDED, second.document_code)
    with pytest.raises(services.ResultError, match="current version"):
        services.amend_report(report=first, values=values_for(order, Haemoglobin="15"), by=lab_worker, reason="x")
    assert Notification.objects.filter(user=female_patient, event="lab_report_amended").exists()


def test_bad_amendment_values_write_nothing(make_order, lab_worker):
    order = make_order("reported")
    first = order.reports.get()

    with pytest.raises(services.ResultError, match="cannot be negative"):
        services.amend_report(report=first, values=values_for(order, Haemoglobin="-1"), by=lab_worker, reason="x")

    assert LabReport.objects.count() == 1 and DocumentCode.objects.filter(kind="lab_report").count() == 1


def critical_order(make_order, lab_worker, value="6.1"):
    order = make_order("sample_collected")
    services.enter_results(order=order, values=values_for(order, Haemoglobin=value, Fasting_glucose="5.0",
                                                          Urine_glucose="Nil"), by=lab_worker, now=NOW)
    report = services.verify_and_report(order=order, by=lab_worker, now=NOW)
    order.refresh_from_db()
    return order, report


def test_a_critical_result_alerts_the_ordering_doctor_at_once(make_order, lab_worker, doctor, female_patient):
    order, report = critical_order(make_order, lab_worker)

    assert report.results.get(analyte__name="Haemoglobin").flag == "LL"
    assert (order.has_critical, order.critical_pending, order.critical_alerted_at) == (True, True, NOW)
    alert = Notification.objects.get(user=doctor, event="lab_critical_result")
    assert female_patient.full_name in alert.title and order.accession in alert.title
    assert "Haemoglobin: 6.1 g/dL (Critically low)" in alert.body


def test_a_critical_result_nobody_ordered_goes_to_the_admins(make_order, lab_worker, hospital_admin):
    order = make_order("sample_collected", prescription=False)
    services.enter_results(order=order, values=values_for(order, Haemoglobin="25", Fasting_glucose="5.0",
                                                          Urine_glucose="Nil"), by=lab_worker, now=NOW)
    services.verify_and_report(order=order, by=lab_worker, now=NOW)

    assert Notification.objects.filter(user=hospital_admin, event="lab_critical_escalated").count() == 1
    assert services.escalate_unacknowledged_criticals(now=NOW + timedelta(hours=2)) == 0


def test_acknowledge_critical_by_the_ordering_doctor_once(make_order, lab_worker, doctor):
    order, report = critical_order(make_order, lab_worker)

    with pytest.raises(services.ResultError, match="Only the ordering doctor"):
        services.acknowledge_critical(report=report, by=lab_worker)
    with pytest.raises(services.ResultError, match="Only the ordering doctor"):
        services.acknowledge_critical(report=report, by=order.patient)
    services.acknowledge_critical(report=report, by=doctor, now=NOW + timedelta(minutes=5))
    order.refresh_from_db()
    assert (order.critical_acknowledged_by, order.critical_acknowledged_at) == (doctor, NOW + timedelta(minutes=5))
    with pytest.raises(services.ResultError, match="already acknowledged"):
        services.acknowledge_critical(report=report, by=doctor)


def test_a_doctor_caring_for_the_patient_may_acknowledge(make_order, lab_worker, hospital, female_patient):
    order, report = critical_order(make_order, lab_worker)
    colleague = MembershipFactory(hospital=hospital, role="doctor")
    with pytest.raises(services.ResultError):
        services.acknowledge_critical(report=report, by=colleague.user)

    AppointmentFactory(membership=colleague, patient=female_patient, date=date(2026, 3, 1), status="completed")
    services.acknowledge_critical(report=report, by=colleague.user, now=NOW)
    order.refresh_from_db()
    assert order.critical_acknowledged_by == colleague.user


def test_a_normal_report_has_nothing_to_acknowledge(make_order, doctor):
    report = make_order("reported").reports.get()

    with pytest.raises(services.ResultError, match="no critical result"):
        services.acknowledge_critical(report=report, by=doctor)


def test_unacknowledged_criticals_reach_the_admins_once_after_the_set_time(make_order, lab_worker, hospital_admin,
                                                                         settings):
    settings.LAB_CRITICAL_ESCALATION_MINUTES = 30
    order, report = critical_order(make_order, lab_worker)

    assert services.escalate_unacknowledged_criticals(now=NOW + timedelta(minutes=29)) == 0
    assert services.escalate_unacknowledged_criticals(now=NOW + timedelta(minutes=30)) == 1
    assert services.escalate_unacknowledged_criticals(now=NOW + timedelta(minutes=90)) == 0
    alerts = Notification.objects.filter(user=hospital_admin, event="lab_critical_escalated")
    assert alerts.count() == 1 and "more than 30 minutes" in alerts.get().body
    order.refresh_from_db()
    assert order.critical_escalated_at == NOW + timedelta(minutes=30)


def test_an_acknowledged_critical_is_not_escalated(make_order, lab_worker, doctor, hospital_admin):
    order, report = critical_order(make_order, lab_worker)
    services.acknowledge_critical(report=report, by=doctor, now=NOW + timedelta(minutes=10))

    assert services.escalate_unacknowledged_criticals(now=NOW + timedelta(hours=3)) == 0
    assert not Notification.objects.filter(user=hospital_admin).exists()


def test_an_amendment_with_a_new_critical_value_alerts_again(make_order, lab_worker, doctor):
    order, report = critical_order(make_order, lab_worker)
    services.acknowledge_critical(report=report, by=doctor, now=NOW)

    services.amend_report(report=report, values=values_for(order, Fasting_glucose="1.9"), by=lab_worker,
                          reason="Rerun", now=NOW + timedelta(hours=1))

    order.refresh_from_db()
    assert order.critical_pending and order.critical_alerted_at == NOW + timedelta(hours=1)
    assert Notification.objects.filter(user=doctor, event="lab_critical_result").count() == 2


def test_staff_reads_of_orders_and_reports_are_access_logged(make_order, lab_worker, hospital, other_hospital,
                                                             doctor, female_patient):
    order = make_order("reported")
    report = order.reports.get()

    services.read_lab_order(reader=lab_worker, order=order, hospital=hospital, role="lab_worker")
    services.read_lab_report(reader=lab_worker, report=report, hospital=hospital, role="lab_worker")
    services.read_lab_report(reader=female_patient, report=report)
    with pytest.raises(services.LabAccessDenied):
        services.read_lab_order(reader=lab_worker, order=order, hospital=other_hospital, role="lab_worker")
    with pytest.raises(services.LabAccessDenied):
        services.read_lab_report(reader=doctor, report=report, hospital=hospital)  # no care relationship yet

    rows = AccessLog.objects.for_patient(female_patient).order_by("sequence")
    assert [(r.accessor, r.object_type, r.object_id) for r in rows] == [
        (lab_worker, "lab_order", order.pk), (lab_worker, "lab_report", report.pk)]
