"""Who may open which records page: the access matrix, the /manage/ URL matrix, logging and query counts."""

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import PatientFactory
from appointments.tests.factories import AppointmentFactory
from hospitals.tests.factories import MembershipFactory
from records import services
from records.models import AccessLog, Prescription
from records.sections import RECORD_SECTIONS
from records.timeline import timeline_kinds

from .factories import MedicalDocumentFactory, PrescriptionFactory, PrescriptionItemFactory

pytestmark = pytest.mark.django_db


def issued(membership, patient, **kwargs):
    prescription = PrescriptionFactory(membership=membership, patient=patient, **kwargs)
    PrescriptionItemFactory(prescription=prescription)
    return services.issue_prescription(prescription=prescription, by=membership.user)


@pytest.fixture
def world(visit, other_visit, doctor, other_doctor, patient, hospital, other_hospital, doctor_membership,
          other_doctor_membership, receptionist, lab_worker):
    """``patient`` seen by ``doctor`` here and by ``other_doctor`` at ``other_hospital``, with a prescription
    from each and an upload of their own."""
    stranger = MembershipFactory(hospital=hospital, role="doctor", department=doctor_membership.department,
                                 user__full_name="Stranger Doctor").user
    return {
        "rx_here": issued(doctor_membership, patient, appointment=visit),
        "rx_there": issued(other_doctor_membership, patient),
        "upload": MedicalDocumentFactory(patient=patient),
        "stranger": stranger,
        "other_patient": PatientFactory(),
    }


def _actor(name, request, world):
    if name == "anonymous":
        return None
    if name in world:
        return world[name]
    return request.getfixturevalue(name)


def _get(client_for, client, user, url):
    return (client_for(user) if user else client).get(url)


PATIENT_PAGES = ["/me/records/", "/me/records/upload/", "/me/access-log/"]


@pytest.mark.parametrize("url", PATIENT_PAGES)
def test_patient_pages_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("kind", ["prescription", "prescription-pdf", "document"])
@pytest.mark.parametrize("actor, expected", [
    ("patient", 200), ("other_patient", 404), ("doctor", 404), ("receptionist", 404), ("lab_worker", 404),
    ("anonymous", 302),
])
def test_patient_item_urls_only_for_their_owner(kind, actor, expected, world, request, client, client_for):
    url = {
        "prescription": f"/me/records/prescriptions/{world['rx_here'].pk}/",
        "prescription-pdf": f"/me/records/prescriptions/{world['rx_here'].pk}/pdf/",
        "document": f"/me/records/documents/{world['upload'].pk}/",
    }[kind]
    response = _get(client_for, client, _actor(actor, request, world), url)
    assert response.status_code == expected
    if expected == 200 and kind != "prescription":
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment")


def test_patient_never_sees_a_draft(world, doctor_membership, patient, client_for):
    draft = PrescriptionFactory(membership=doctor_membership, patient=patient, diagnosis="Unissued thought")
    assert client_for(patient).get(f"/me/records/prescriptions/{draft.pk}/").status_code == 404
    assert draft.diagnosis not in client_for(patient).get("/me/records/").content.decode()


def _staff_urls(world, hospital, patient):
    base = f"/manage/{hospital.slug}"
    return {
        "record": f"{base}/patients/{patient.pk}/",
        "rx_here": f"{base}/prescriptions/{world['rx_here'].pk}/",
        "rx_here_pdf": f"{base}/prescriptions/{world['rx_here'].pk}/pdf/",
        "rx_there": f"{base}/prescriptions/{world['rx_there'].pk}/",
        "rx_there_pdf": f"{base}/prescriptions/{world['rx_there'].pk}/pdf/",
        "upload": f"{base}/patients/{patient.pk}/documents/{world['upload'].pk}/",
        "new": f"{base}/prescriptions/new/?patient={patient.pk}",
    }


ALL = ("record", "rx_here", "rx_here_pdf", "rx_there", "rx_there_pdf", "upload", "new")
OWN_HOSPITAL = ("record", "rx_here", "rx_here_pdf", "new")


@pytest.mark.parametrize("actor, consent, expected", [
    ("doctor", True, dict.fromkeys(ALL, 200)),
    ("doctor", False, {**dict.fromkeys(ALL, 404), **dict.fromkeys(OWN_HOSPITAL, 200)}),
    ("stranger", True, dict.fromkeys(ALL, 404)),  # a doctor here with no care relationship
    ("other_doctor", True, dict.fromkeys(ALL, 404)),  # cares for the patient, but is staff of another hospital
    ("patient", True, dict.fromkeys(ALL, 404)),
    ("receptionist", True, dict.fromkeys(ALL, 403)),
    ("lab_worker", True, dict.fromkeys(ALL, 403)),
    ("hospital_admin", True, dict.fromkeys(ALL, 403)),
    ("anonymous", True, dict.fromkeys(ALL, 302)),
])
def test_staff_record_access_matrix(actor, consent, expected, world, request, client, client_for, hospital, patient):
    patient.patient_profile.sharing_consent = consent
    patient.patient_profile.save()
    user = _actor(actor, request, world)
    for name, url in _staff_urls(world, hospital, patient).items():
        response = _get(client_for, client, user, url)
        assert response.status_code == expected[name], (name, url)


def test_other_doctor_reads_through_their_own_hospital(world, other_doctor, other_hospital, patient, client_for):
    url = f"/manage/{other_hospital.slug}/prescriptions/{world['rx_here'].pk}/"
    assert client_for(other_doctor).get(url).status_code == 200
    patient.patient_profile.sharing_consent = False
    patient.patient_profile.save()
    assert client_for(other_doctor).get(url).status_code == 404


def test_consent_off_hides_other_hospitals_from_the_timeline(world, doctor, hospital, patient, client_for):
    url = f"/manage/{hospital.slug}/patients/{patient.pk}/"
    page = client_for(doctor).get(url).content.decode()
    assert "Riverside Medical College Hospital" in page and world["upload"].title in page
    patient.patient_profile.sharing_consent = False
    patient.patient_profile.save()
    page = client_for(doctor).get(url).content.decode()
    assert "Riverside Medical College Hospital" not in page and world["upload"].title not in page
    assert "turned record sharing off" in page


MANAGE_PAGES = ["patients/", "patients/{patient}/", "prescriptions/new/?patient={patient}", "prescriptions/{rx}/",
                "prescriptions/{rx}/edit/", "prescriptions/{rx}/pdf/"]


@pytest.mark.parametrize("query", ["patient=abc", "patient=1.5", "patient=\u00b2", "patient={patient}&appointment=abc",
                                   "patient={patient}&appointment=1.5"])
def test_new_prescription_with_a_malformed_id_is_not_found(query, world, hospital, patient, doctor, client_for):
    url = f"/manage/{hospital.slug}/prescriptions/new/?" + query.format(patient=patient.pk)
    assert client_for(doctor).get(url).status_code == 404


@pytest.mark.parametrize("page", MANAGE_PAGES)
def test_manage_url_matrix(page, world, hospital, patient, doctor, receptionist, other_doctor, client,
                           client_for):
    url = f"/manage/{hospital.slug}/" + page.format(patient=patient.pk, rx=world["rx_here"].pk)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_for(patient).get(url).status_code == 404
    assert client_for(other_doctor).get(url).status_code == 404
    assert client_for(receptionist).get(url).status_code == 403
    right = client_for(doctor).get(url)
    # The issued prescription's edit page sends the doctor back to it: issued never changes.
    assert right.status_code == (302 if page.endswith("edit/") else 200)


@pytest.mark.parametrize("action", ["issue", "correct", "discard"])
def test_prescription_actions_are_posts_for_the_author(action, world, hospital, doctor, client_for):
    url = f"/manage/{hospital.slug}/prescriptions/{world['rx_here'].pk}/{action}/"
    assert client_for(doctor).get(url).status_code == 405
    assert client_for(world["stranger"]).post(url).status_code == 404


def test_every_staff_read_writes_an_access_log_row(world, doctor, hospital, patient, client_for):
    urls = _staff_urls(world, hospital, patient)
    client = client_for(doctor)
    expected = [("record", None), ("prescription", world["rx_here"].pk), ("prescription_pdf", world["rx_here"].pk),
                ("prescription", world["rx_there"].pk), ("document", world["upload"].pk)]
    for name in ("record", "rx_here", "rx_here_pdf", "rx_there", "upload"):
        assert client.get(urls[name]).status_code == 200
    rows = list(AccessLog.objects.for_patient(patient).order_by("sequence"))
    assert [(row.object_type, row.object_id) for row in rows] == expected
    assert {(row.accessor_id, row.hospital_id, row.role) for row in rows} == {(doctor.pk, hospital.pk, "doctor")}
    assert all("hypertension" not in row.label.lower() for row in rows)  # no clinical text
    assert services.verify_access_log() == (5, None)


def test_refused_reads_and_patient_reads_are_not_logged(world, patient, hospital, client_for):
    client_for(world["stranger"]).get(f"/manage/{hospital.slug}/patients/{patient.pk}/")
    client_for(patient).get(f"/me/records/prescriptions/{world['rx_here'].pk}/pdf/")
    assert not AccessLog.objects.exists()


def test_patient_reads_their_access_log(world, doctor, patient, hospital, client_for):
    client_for(doctor).get(f"/manage/{hospital.slug}/patients/{patient.pk}/")
    page = client_for(patient).get("/me/access-log/").content.decode()
    assert "Kamal Hossain" in page and "Green Life Hospital" in page
    assert "Kamal Hossain" not in client_for(world["other_patient"]).get("/me/access-log/").content.decode()


def test_patients_search(world, doctor, patient, hospital, client_for):
    url = f"/manage/{hospital.slug}/patients/"
    client = client_for(doctor)
    number = patient.patient_profile.patient_number
    for query in ["ayesha", "AYESHA@example", patient.phone[-6:], number]:
        assert "Ayesha Rahman" in client.get(url, {"q": query}).content.decode(), query
    assert "Ayesha Rahman" not in client.get(url, {"q": "nobody-like-this"}).content.decode()
    assert "Ayesha Rahman" not in client_for(world["stranger"]).get(url).content.decode()


def test_patients_list_last_visit_is_the_last_completed_or_arrived_one_and_next_visit_is_apart(
        doctor_membership, doctor, patient, hospital, client_for):
    from appointments.slots import local_now

    now = local_now(hospital)
    today = now.date()
    visit = dict(membership=doctor_membership, start_time=time(9), end_time=time(9, 15))
    AppointmentFactory(patient=patient, date=date(2025, 1, 5), status="completed", token_number=1, **visit)
    AppointmentFactory(patient=patient, date=today + timedelta(days=5), status="confirmed", token_number=1, **visit)
    AppointmentFactory(patient=patient, date=today + timedelta(days=9), status="cancelled", **visit)
    AppointmentFactory(patient=patient, date=today + timedelta(days=7), status="requested", **visit)
    arrived = PatientFactory(full_name="Arrived Today")
    AppointmentFactory(patient=arrived, date=today, status="confirmed", token_number=1, arrived_at=now, **visit)
    first_time = PatientFactory(full_name="First Time")
    AppointmentFactory(patient=first_time, date=today + timedelta(days=2), status="confirmed", token_number=1, **visit)

    response = client_for(doctor).get(f"/manage/{hospital.slug}/patients/")
    rows = {person.full_name: (person.last_visit, person.next_visit) for person in response.context["page_obj"]}
    assert rows == {
        "Ayesha Rahman": (date(2025, 1, 5), today + timedelta(days=5)),
        "Arrived Today": (today, None),
        "First Time": (None, today + timedelta(days=2)),
    }
    assert list(rows) == ["Arrived Today", "Ayesha Rahman", "First Time"]  # most recently seen first
    page = response.content.decode()
    assert "5 Jan 2025" in page and "Next visit" in page


def _patients_in_care(doctor_membership, n):
    for i in range(n):
        AppointmentFactory(membership=doctor_membership, patient=PatientFactory(), date=date(2025, 1, 1) + timedelta(i),
                           status="completed")


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_patients_list_queries_do_not_grow(doctor_membership, doctor, hospital, client_for, settings):
    settings.PAGE_SIZE = 50
    client, url = client_for(doctor), f"/manage/{hospital.slug}/patients/"
    client.get(url)  # the first staff page starts the idle clock (a session write); count what follows
    _patients_in_care(doctor_membership, 3)
    few = _count(client, url)
    _patients_in_care(doctor_membership, 27)
    assert _count(client, url) == few <= 15


def _fill_record(patient, doctor_membership, n, start):
    for i in range(n):
        day = date(2024, 1, 1) + timedelta(start + i)
        AppointmentFactory(membership=doctor_membership, patient=patient, date=day, start_time=time(9), status="completed")
        issued(doctor_membership, patient)
        MedicalDocumentFactory(patient=patient, document_date=day)


@pytest.mark.parametrize("side", ["doctor", "patient"])
def test_timeline_queries_do_not_grow(side, visit, doctor_membership, doctor, patient, hospital, client_for, settings):
    settings.PAGE_SIZE = 200
    url = f"/manage/{hospital.slug}/patients/{patient.pk}/" if side == "doctor" else "/me/records/"
    client = client_for(doctor if side == "doctor" else patient)
    _fill_record(patient, doctor_membership, 1, 0)
    _count(client, url)  # the first staff read also creates the access log's head row
    _count(client, url)  # and the second starts the staff idle clock in the session
    few = _count(client, url)
    _fill_record(patient, doctor_membership, 10, 10)
    assert Prescription.objects.count() == 11
    assert _count(client, url) == few
    # 19 for the page, plus one per timeline kind (records' three and those of the apps above records)
    # and one per record section the apps above records add (labs' trends)
    assert few <= 19 + len(timeline_kinds()) + len(RECORD_SECTIONS)


@pytest.mark.parametrize("name", ["record", "rx_here", "rx_here_pdf", "rx_there", "rx_there_pdf", "upload", "new",
                                  "draft_edit"])
def test_each_staff_read_writes_exactly_one_access_log_row(name, world, doctor, doctor_membership, hospital, patient,
                                                           client_for):
    draft = PrescriptionFactory(membership=doctor_membership, patient=patient)
    urls = {**_staff_urls(world, hospital, patient), "draft_edit": f"/manage/{hospital.slug}/prescriptions/{draft.pk}/edit/"}
    assert client_for(doctor).get(urls[name]).status_code == 200
    assert AccessLog.objects.for_patient(patient).count() == 1
