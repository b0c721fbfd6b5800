"""Fixtures for the labs tests: a CBC-like test and a glucose test at ``hospital``, and orders in any state.

``make_order(status, ...)`` drives a real order through the services up to ``status``, so each
test starts where it needs to without writing statuses by hand.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from appointments.tests.factories import AppointmentFactory
from labs import services
from labs.models import LabOrder
from records.services import issue_prescription
from records.tests.factories import PrescriptionFactory, PrescriptionItemFactory

from .factories import AnalyteFactory, LabTestFactory, ReferenceRangeFactory

NOW = datetime(2026, 3, 5, 4, 30, tzinfo=UTC)  # 10:30 in Dhaka, a Thursday


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def haemoglobin_test(hospital):
    """"HB" with one analyte, haemoglobin g/dL: female 12.0–15.5, male 13.5–17.5 (adults), newborn 14–24,
    child 11–14 (any sex); critical below 7 and above 20 for adults."""
    test = LabTestFactory(hospital=hospital, code="HB", name="Haemoglobin", section="haematology",
                          sample_type="Venous blood (EDTA)", price=Decimal("300.00"), turnaround_hours=6)
    analyte = AnalyteFactory(lab_test=test, name="Haemoglobin", unit="g/dL", decimals=1)
    adult = dict(age_from_days=6575, age_to_days=None, critical_low=Decimal("7"), critical_high=Decimal("20"))
    ReferenceRangeFactory(analyte=analyte, sex="female", low=Decimal("12.0"), high=Decimal("15.5"), **adult)
    ReferenceRangeFactory(analyte=analyte, sex="male", low=Decimal("13.5"), high=Decimal("17.5"), **adult)
    ReferenceRangeFactory(analyte=analyte, sex="any", age_from_days=0, age_to_days=28, low=Decimal("14"),
                          high=Decimal("24"))
    ReferenceRangeFactory(analyte=analyte, sex="any", age_from_days=29, age_to_days=6574, low=Decimal("11"),
                          high=Decimal("14"))
    return test


@pytest.fixture
def haemoglobin(haemoglobin_test):
    return haemoglobin_test.analytes.get()


@pytest.fixture
def glucose_test(hospital):
    """"FBS": fasting glucose mmol/L 3.9–5.5 (critical < 2.5, > 25) and a urine-glucose choice."""
    test = LabTestFactory(hospital=hospital, code="FBS", name="Fasting blood sugar", price=Decimal("200.00"),
                          preparation="Fasting 8–10 h", turnaround_hours=4)
    glucose = AnalyteFactory(lab_test=test, name="Fasting glucose", unit="mmol/L", decimals=1)
    ReferenceRangeFactory(analyte=glucose, low=Decimal("3.9"), high=Decimal("5.5"), critical_low=Decimal("2.5"),
                          critical_high=Decimal("25"))
    AnalyteFactory(lab_test=test, name="Urine glucose", unit="", result_kind="choice", choices="Nil\nTrace\n+\n++",
                   decimals=0)
    return test


@pytest.fixture
def female_patient(patient):
    profile = patient.patient_profile
    profile.sex, profile.date_of_birth = "female", date(1990, 6, 1)
    profile.save(update_fields=["sex", "date_of_birth"])
    return patient


@pytest.fixture
def issued_prescription(doctor_membership, female_patient):
    """An issued prescription of ``female_patient`` by ``doctor`` (no lab tests recommended yet)."""

    def make(tests=(), patient=None):
        draft = PrescriptionFactory(membership=doctor_membership, patient=patient or female_patient)
        PrescriptionItemFactory(prescription=draft)
        if tests:
            services.recommend_tests(prescription=draft, tests=tests, by=doctor_membership.user)
        return issue_prescription(prescription=draft, by=doctor_membership.user, now=NOW)

    return make


STEPS = ["cart", "awaiting_payment", "paid", "sample_collected", "in_progress", "reported"]


@pytest.fixture
def make_order(female_patient, haemoglobin_test, glucose_test, lab_worker, doctor_membership, issued_prescription):
    """``make_order(status="paid", tests=None, values=None, patient=None)``: an order driven to ``status``.

    Tests default to HB and FBS, ordered on an issued prescription of ``doctor``; ``values``
    ({analyte: value}) are the results entered on the way to in_progress / reported.
    """

    def make(status="paid", tests=None, values=None, patient=None, prescription=True):
        patient = patient or female_patient
        tests = tests or [haemoglobin_test, glucose_test]
        given = issued_prescription(tests, patient=patient) if prescription else None
        if status == "cart":
            lines = [services.add_to_cart(patient=patient, lab_test=test, prescription=given) for test in tests]
            return LabOrder.objects.get(pk=lines[0].order_id)
        order = services.order_tests(patient=patient, hospital=tests[0].hospital, tests=tests, prescription=given,
                                     now=NOW)
        if status == "awaiting_payment":
            return order
        order = services.mark_order_paid(order=order, by=patient, now=NOW)
        if status == "paid":
            return order
        order = services.collect_sample(order=order, by=lab_worker, now=NOW)
        if status == "sample_collected":
            return order
        values = values or default_values(tests)
        services.enter_results(order=order, values={a.pk: v for a, v in values.items()}, by=lab_worker, now=NOW)
        order.refresh_from_db()
        if status == "in_progress":
            return order
        services.verify_and_report(order=order, by=lab_worker, now=NOW)
        order.refresh_from_db()
        return order

    return make


@pytest.fixture
def critical_order(make_order, glucose_test, haemoglobin_test, doctor_membership, female_patient):
    """A reported order with a critically high glucose, ordered by ``doctor``, who saw the patient (care)."""
    AppointmentFactory(membership=doctor_membership, patient=female_patient, date=date(2026, 2, 1),
                       status="completed")
    values = default_values([haemoglobin_test, glucose_test])
    values[glucose_test.analytes.get(name="Fasting glucose")] = "30.0"
    return make_order("reported", values=values)


def default_values(tests) -> dict:
    values = {}
    for test in tests:
        for analyte in test.analytes.all():
            values[analyte] = analyte.choice_list[0] if analyte.result_kind == "choice" else (
                "13.0" if analyte.result_kind == "numeric" else "Clear")
    return values

