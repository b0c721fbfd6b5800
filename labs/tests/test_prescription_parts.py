"""Labs on the prescription pages: the doctor picks catalogue tests in the editor (search as you type), the
patient orders them from the issued prescription; a correction keeps them."""

from datetime import date

import pytest

from accounts.tests.factories import PatientFactory
from appointments.tests.factories import AppointmentFactory
from hospitals.tests.factories import MembershipFactory
from labs.models import LabOrder, PrescriptionLabTest
from records.models import Prescription
from records.tests.test_prescriptions import _form_data

from .factories import LabTestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(doctor_membership, female_patient):
    return AppointmentFactory(membership=doctor_membership, patient=female_patient, date=date(2026, 3, 1),
                              status="completed")


def _new_url(hospital, patient, visit):
    return f"/manage/{hospital.slug}/prescriptions/new/?patient={patient.pk}&appointment={visit.pk}"


def test_the_editor_offers_the_picker_and_saves_the_chosen_tests(visit, hospital, female_patient, doctor, client_for,
                                                                 haemoglobin_test, glucose_test):
    client = client_for(doctor)
    form = client.get(_new_url(hospital, female_patient, visit)).content.decode()
    assert "data-lab-picker" in form and f'data-search-url="/manage/{hospital.slug}/prescriptions/lab-tests/"' in form
    response = client.post(_new_url(hospital, female_patient, visit), _form_data(
        lab_tests_shown="1", lab_tests=[haemoglobin_test.pk, glucose_test.pk], issue="1"))
    assert response.status_code == 302
    prescription = Prescription.objects.get()
    assert prescription.status == "issued"
    assert set(PrescriptionLabTest.objects.filter(prescription=prescription).values_list("lab_test__code",
                                                                                         flat=True)) == {"HB", "FBS"}


def test_another_hospitals_test_shows_beside_the_picker_and_nothing_is_written(visit, hospital, other_hospital,
                                                                               female_patient, doctor, client_for):
    elsewhere = LabTestFactory(hospital=other_hospital)
    response = client_for(doctor).post(_new_url(hospital, female_patient, visit), _form_data(
        lab_tests_shown="1", lab_tests=[elsewhere.pk], issue="1"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="lab-test-error"' in page and "is not in Green Life Hospital" in page
    assert not Prescription.objects.exists() and not PrescriptionLabTest.objects.exists()


def test_a_correction_keeps_the_recommended_tests(visit, hospital, female_patient, doctor, client_for,
                                                  haemoglobin_test):
    client = client_for(doctor)
    client.post(_new_url(hospital, female_patient, visit), _form_data(
        lab_tests_shown="1", lab_tests=[haemoglobin_test.pk], issue="1"))
    first = Prescription.objects.get()
    client.post(f"/manage/{hospital.slug}/prescriptions/{first.pk}/correct/")
    correction = Prescription.objects.exclude(pk=first.pk).get()
    form = client.get(f"/manage/{hospital.slug}/prescriptions/{correction.pk}/edit/").content.decode()
    assert f'name="lab_tests" value="{haemoglobin_test.pk}"' in form and "checked" in form
    # The form posts back what it shows: the correction keeps the test.
    client.post(f"/manage/{hospital.slug}/prescriptions/{correction.pk}/edit/", _form_data(
        lab_tests_shown="1", lab_tests=[haemoglobin_test.pk]))
    assert list(PrescriptionLabTest.objects.filter(prescription=correction).values_list("lab_test", flat=True)) == [
        haemoglobin_test.pk]


def test_the_patient_orders_the_prescriptions_tests_into_the_cart(client_for, female_patient, issued_prescription,
                                                                  haemoglobin_test, glucose_test):
    prescription = issued_prescription([haemoglobin_test, glucose_test])
    client = client_for(female_patient)
    page = client.get(f"/me/records/prescriptions/{prescription.pk}/").content.decode()
    assert 'data-testid="prescription-lab-tests"' in page and "Order these tests" in page
    response = client.post(f"/me/records/prescriptions/{prescription.pk}/order-lab-tests/")
    assert response.status_code == 302 and response["Location"] == "/me/cart/"
    cart = LabOrder.objects.get(patient=female_patient, status="cart")
    assert sorted(cart.lines.values_list("lab_test__code", flat=True)) == ["FBS", "HB"]
    assert cart.prescription == prescription


def test_the_doctor_sees_the_tests_but_no_order_button(client_for, doctor, hospital, issued_prescription,
                                                       haemoglobin_test, visit):
    prescription = issued_prescription([haemoglobin_test])
    page = client_for(doctor).get(f"/manage/{hospital.slug}/prescriptions/{prescription.pk}/").content.decode()
    assert 'data-testid="prescription-lab-tests"' in page and "Order these tests" not in page


def test_another_patient_cannot_order_from_someone_elses_prescription(client_for, issued_prescription,
                                                                      haemoglobin_test):
    prescription = issued_prescription([haemoglobin_test])
    stranger = PatientFactory()
    assert client_for(stranger).post(
        f"/me/records/prescriptions/{prescription.pk}/order-lab-tests/").status_code == 404
    assert not LabOrder.objects.exists()


@pytest.mark.parametrize("who, expected", [("doctor", 200), ("patient", 404), ("lab_worker", 403),
                                           ("other_doctor", 404), ("anonymous", 302)])
def test_the_search_endpoint_answers_this_hospitals_doctors_only(who, expected, client, client_for, hospital,
                                                                 other_hospital, doctor, female_patient, lab_worker,
                                                                 haemoglobin_test, glucose_test):
    LabTestFactory(hospital=hospital, code="OLD", name="Haemoglobin old", active=False)
    users = {"doctor": doctor, "patient": female_patient, "lab_worker": lab_worker, "anonymous": None,
             "other_doctor": MembershipFactory(hospital=other_hospital, role="doctor").user}
    user = users[who]
    response = (client_for(user) if user else client).get(f"/manage/{hospital.slug}/prescriptions/lab-tests/",
                                                          {"q": "haem"})
    assert response.status_code == expected
    if expected == 200:
        assert [test["code"] for test in response.json()["results"]] == ["HB"]
