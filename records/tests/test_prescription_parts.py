"""Apps above records add parts to the prescription pages: an editor part saves with the form (inside its
transaction: a refusal shows beside the field and writes nothing) and a detail part shows to patient and staff."""

import pytest

from records import prescription_parts
from records.models import Prescription

from .test_prescriptions import _form_data, _new_url

pytestmark = pytest.mark.django_db

DIETS: dict[int, str] = {}


@pytest.fixture
def diet_parts(throwaway_app):
    DIETS.clear()

    def editor(*, prescription, hospital, data=None, errors=None):
        return {"diet": (data or {}).get("diet", DIETS.get(getattr(prescription, "pk", None), "")),
                "errors": errors}

    def save(prescription, data, by):
        if data.get("diet") == "sugar only":
            raise prescription_parts.PrescriptionPartError({"diet": "Not a diet."})
        DIETS[prescription.pk] = data.get("diet", "")

    def detail(*, prescription, viewer, staff_view):
        return {"diet": DIETS[prescription.pk], "reader": viewer.full_name} if prescription.pk in DIETS else {}

    prescription_parts.register_prescription_part("diet", slot="editor", template="throwaway/prescription_editor.html",
                                                  selector=editor, save=save)
    prescription_parts.register_prescription_part("diet", slot="detail", template="throwaway/prescription_detail.html",
                                                  selector=detail)


def test_an_editor_part_shows_in_the_form_and_saves_with_it(diet_parts, visit, hospital, patient, doctor,
                                                            client_for):
    client = client_for(doctor)
    assert 'name="diet"' in client.get(_new_url(hospital, patient, visit)).content.decode()
    response = client.post(_new_url(hospital, patient, visit), _form_data(diet="Low salt", issue="1"))
    prescription = Prescription.objects.get()
    assert response.status_code == 302 and DIETS == {prescription.pk: "Low salt"}
    assert prescription.status == "issued"


def test_a_part_that_refuses_shows_its_error_beside_the_field_and_nothing_is_written(diet_parts, visit, hospital,
                                                                                    patient, doctor, client_for):
    response = client_for(doctor).post(_new_url(hospital, patient, visit), _form_data(diet="sugar only"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<div class="invalid-feedback d-block" data-testid="diet-error">Not a diet.</div>' in page
    assert 'value="sugar only"' in page and 'value="Napa"' in page  # the doctor's typing stays on the form
    assert not Prescription.objects.exists() and DIETS == {}


def test_a_refusal_while_editing_keeps_the_draft_as_it_was(diet_parts, visit, hospital, patient, doctor, client_for):
    client = client_for(doctor)
    client.post(_new_url(hospital, patient, visit), _form_data(diet="Low salt"))
    draft = Prescription.objects.get()
    response = client.post(f"/manage/{hospital.slug}/prescriptions/{draft.pk}/edit/",
                           _form_data(diet="sugar only", diagnosis="Changed"))
    assert response.status_code == 200 and "Not a diet." in response.content.decode()
    draft.refresh_from_db()
    assert draft.diagnosis == "Viral fever" and DIETS == {draft.pk: "Low salt"}


def test_a_detail_part_shows_to_the_patient_and_the_doctor(diet_parts, visit, hospital, patient, doctor, client_for):
    client_for(doctor).post(_new_url(hospital, patient, visit), _form_data(diet="Low salt", issue="1"))
    prescription = Prescription.objects.get()
    mine = client_for(patient).get(f"/me/records/prescriptions/{prescription.pk}/").content.decode()
    assert f'<div data-testid="diet-part">Diet for {patient.full_name}: Low salt</div>' in mine
    staff = client_for(doctor).get(f"/manage/{hospital.slug}/prescriptions/{prescription.pk}/").content.decode()
    assert f"Diet for {doctor.full_name} (staff): Low salt" in staff


def test_a_detail_part_with_nothing_to_say_is_not_shown(diet_parts, visit, hospital, patient, doctor, client_for):
    client_for(doctor).post(_new_url(hospital, patient, visit), _form_data(issue="1"))
    DIETS.clear()
    prescription = Prescription.objects.get()
    page = client_for(patient).get(f"/me/records/prescriptions/{prescription.pk}/").content.decode()
    assert 'data-prescription-part="diet"' not in page


def test_registering_checks_the_slot():
    with pytest.raises(ValueError):
        prescription_parts.register_prescription_part("x", slot="sidebar", template="x.html", selector=None)
    with pytest.raises(ValueError):
        prescription_parts.register_prescription_part("x", slot="detail", template="x.html", selector=None,
                                                      save=lambda *a: None)
