"""Who sees a lab report: the patient, the hospital's lab staff, doctors under the records rules; nobody else."""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser

from appointments.tests.factories import AppointmentFactory
from hospitals.tests.factories import DepartmentFactory, MembershipFactory
from labs.permissions import can_view_report, is_lab_staff
from labs.selectors import reports_readable_by

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(make_order):
    return make_order("reported").reports.get()


def care(doctor_membership, patient):
    AppointmentFactory(membership=doctor_membership, patient=patient, date=date(2026, 2, 1), status="completed")


def test_the_patient_and_the_hospitals_lab_staff_see_it(report, female_patient, lab_worker, hospital_admin,
                                                         hospital, other_hospital):
    assert can_view_report(female_patient, report)
    assert can_view_report(lab_worker, report, hospital=hospital, role="lab_worker")
    assert can_view_report(hospital_admin, report, hospital=hospital, role="admin")
    other_worker = MembershipFactory(hospital=other_hospital, role="lab_worker").user
    assert not can_view_report(other_worker, report, hospital=other_hospital, role="lab_worker")
    assert is_lab_staff(lab_worker, hospital) and not is_lab_staff(other_worker, hospital)


def test_receptionists_pharmacists_and_visitors_do_not(report, receptionist, pharmacist, hospital):
    assert not can_view_report(receptionist, report, hospital=hospital, role="receptionist")
    assert not can_view_report(pharmacist, report, hospital=hospital, role="pharmacist")
    assert not can_view_report(AnonymousUser(), report)
    assert not is_lab_staff(receptionist, hospital)


def test_doctors_see_it_under_the_care_and_consent_rules(report, female_patient, other_hospital, doctor):
    elsewhere = MembershipFactory(hospital=other_hospital, role="doctor",
                                  department=DepartmentFactory(hospital=other_hospital))
    assert not can_view_report(elsewhere.user, report)
    assert list(reports_readable_by(elsewhere.user)) == []

    care(elsewhere, female_patient)
    assert can_view_report(elsewhere.user, report)
    assert list(reports_readable_by(elsewhere.user)) == [report]

    profile = female_patient.patient_profile
    profile.sharing_consent = False
    profile.save(update_fields=["sharing_consent"])
    report = type(report).objects.select_related("order__patient__patient_profile").get(pk=report.pk)
    assert not can_view_report(elsewhere.user, report)  # made at another hospital
    assert list(reports_readable_by(elsewhere.user)) == []
    # The prescribing doctor has no visit with her in these tests; with one, their own hospital's report shows.
    care(doctor.memberships.get(), female_patient)
    assert can_view_report(doctor, report) and list(reports_readable_by(doctor)) == [report]
