"""Apps above records add timeline kinds and record sections without editing records; both stay in the reader's scope."""

from datetime import date

import pytest
from django.db.models import Q

from records import sections, timeline
from records.timeline import TimelineEntry

from .test_views import world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def throwaway_parts(throwaway_app, hospital, other_hospital):
    notes = {hospital.pk: "CBC at home hospital", other_hospital.pk: "Lipids elsewhere"}

    def entries(patient, *, scope, hospital_id=None, draft_author=None):
        from hospitals.models import Hospital

        shown = [h for h in Hospital.objects.filter(pk__in=notes) if scope.allows(h.pk)
                 and (hospital_id is None or h.pk == hospital_id)]
        return [TimelineEntry("note", date(2026, 11, 1), h, notes[h.pk]) for h in shown]

    def section(*, record, viewer):
        hospitals = sorted(name for pk, name in ((hospital.pk, "home"), (other_hospital.pk, "elsewhere"))
                           if record.scope.allows(pk))
        return {"viewer_name": viewer.full_name, "hospitals": ", ".join(hospitals)}

    timeline.register_timeline_kind("note", label="Notes", template="throwaway/timeline_note.html",
                                    entries=entries, hospitals=lambda patient: Q(pk__in=list(notes)))
    sections.register_record_section("trend", template="throwaway/record_section.html", selector=section)


def test_a_new_kind_and_section_show_on_the_patients_own_record(throwaway_parts, world, patient, client_for):
    page = client_for(patient).get("/me/records/").content.decode()
    assert "Note: CBC at home hospital" in page and "Note: Lipids elsewhere" in page
    assert f'<div data-testid="record-section">{patient.full_name} sees elsewhere, home</div>' in page
    assert '<option value="note">Notes</option>' in page
    only_notes = client_for(patient).get("/me/records/?kind=note").content.decode()
    assert "Note: CBC" in only_notes and world["upload"].title not in only_notes


def test_the_doctor_sees_only_their_hospitals_parts_when_sharing_is_off(throwaway_parts, world, doctor, hospital,
                                                                        patient, client_for):
    url = f"/manage/{hospital.slug}/patients/{patient.pk}/"
    page = client_for(doctor).get(url).content.decode()
    assert "Note: Lipids elsewhere" in page and "sees elsewhere, home" in page
    patient.patient_profile.sharing_consent = False
    patient.patient_profile.save()
    page = client_for(doctor).get(url).content.decode()
    assert "Note: CBC at home hospital" in page and "Note: Lipids elsewhere" not in page
    assert f"{doctor.full_name} sees home<" in page
