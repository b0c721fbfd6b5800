"""A prescription is linked only to a visit the patient kept (arrived, called in or completed) within
the care relationship: the service refuses others, the pages offer only kept visits."""

from datetime import date, time

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, QueueState
from appointments.slots import local_now
from appointments.tests.factories import AppointmentFactory
from records import services
from records.models import Prescription

from .test_prescriptions import _form_data

Status = Appointment.Status
pytestmark = pytest.mark.django_db
ITEMS = [{"medicine_name": "Napa", "strength": "500 mg", "dose": "1 tablet"}]


@pytest.fixture
def make_visit(doctor_membership, patient):
    """``make_visit(status, **fields)``: another visit of ``patient`` with ``doctor`` on 9 Mar 2025."""
    starts = iter(time(9 + n // 4, n % 4 * 15) for n in range(1, 40))

    def make(status, **fields):
        start = next(starts)
        end = time(start.hour + (start.minute + 15) // 60, (start.minute + 15) % 60)
        return AppointmentFactory(membership=doctor_membership, patient=patient, date=date(2025, 3, 9),
                                  start_time=start, end_time=end, status=status, **fields)

    return make


NOT_KEPT = {
    "rejected": {"status": Status.REJECTED},
    "cancelled": {"status": Status.CANCELLED},
    "requested": {"status": Status.REQUESTED},
    "expired": {"status": Status.EXPIRED},
    "awaiting payment": {"status": Status.AWAITING_PAYMENT},
    "no-show": {"status": Status.NO_SHOW, "token_number": 2},
}


@pytest.mark.parametrize("case", NOT_KEPT)
def test_a_visit_the_patient_did_not_keep_takes_no_prescription(case, visit, make_visit, doctor_membership, patient):
    fields = dict(NOT_KEPT[case])
    not_kept = make_visit(fields.pop("status"), **fields)

    with pytest.raises(services.RecordsError) as refused:
        services.create_prescription(membership=doctor_membership, patient=patient, appointment=not_kept, items=ITEMS)

    label = not_kept.get_status_display().lower()
    assert str(refused.value) == ("A prescription can be written only for a visit the patient kept (arrived, called "
                                  f"in or completed); this visit is {label}.")
    assert not Prescription.objects.exists()


def test_a_confirmed_visit_the_patient_has_not_come_to_yet_takes_no_prescription(visit, make_visit, doctor_membership,
                                                                                 patient):
    expected = make_visit(Status.CONFIRMED, token_number=2)
    QueueState.objects.create(hospital=expected.hospital, membership=doctor_membership, date=expected.date,
                              now_serving=1)

    with pytest.raises(services.RecordsError) as refused:
        services.create_prescription(membership=doctor_membership, patient=patient, appointment=expected, items=ITEMS)

    assert str(refused.value) == ("A prescription can be written only for a visit the patient kept (arrived, called "
                                  "in or completed); this patient has not arrived or been called in yet.")
    assert not Prescription.objects.exists()


KEPT = {
    "completed": lambda make, membership: make(Status.COMPLETED, token_number=2),
    "arrived": lambda make, membership: make(Status.CONFIRMED, token_number=2, arrived_at=timezone.now()),
    "called in": lambda make, membership: _called(make(Status.CONFIRMED, token_number=2), membership),
}


def _called(appointment, membership):
    QueueState.objects.create(hospital=appointment.hospital, membership=membership, date=appointment.date,
                              now_serving=appointment.token_number)
    return appointment


@pytest.mark.parametrize("case", KEPT)
def test_a_kept_visit_takes_a_prescription(case, visit, make_visit, doctor_membership, patient):
    kept = KEPT[case](make_visit, doctor_membership)

    prescription = services.create_prescription(membership=doctor_membership, patient=patient, appointment=kept,
                                                items=ITEMS)

    assert prescription.appointment == kept


def test_a_kept_visit_whose_doctor_was_suspended_takes_no_prescription(visit, doctor_membership, patient):
    doctor_membership.status = "suspended"
    doctor_membership.save(update_fields=["status"])
    with pytest.raises(services.RecordsError):
        services.create_prescription(membership=doctor_membership, patient=patient, appointment=visit, items=ITEMS)
    assert not Prescription.objects.exists()


# Pages ---------------------------------------------------------------------------------------------

def _new_url(hospital, patient, appointment):
    return f"/manage/{hospital.slug}/prescriptions/new/?patient={patient.pk}&appointment={appointment.pk}"


@pytest.mark.parametrize("case", NOT_KEPT)
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_form_for_a_visit_not_kept_sends_the_doctor_back_with_the_reason(method, case, visit, make_visit, hospital,
                                                                             patient, doctor, client_for):
    fields = dict(NOT_KEPT[case])
    not_kept = make_visit(fields.pop("status"), **fields)
    client = client_for(doctor)
    url = _new_url(hospital, patient, not_kept)

    response = client.get(url, follow=True) if method == "get" else client.post(url, _form_data(), follow=True)

    assert response.redirect_chain[-1][0] == reverse("clinical:patient", args=[hospital.slug, patient.pk])
    label = not_kept.get_status_display().lower()
    assert (f"A prescription can be written only for a visit the patient kept (arrived, called in or completed); "
            f"this visit is {label}.") in response.content.decode()
    assert not Prescription.objects.exists()


def test_the_form_for_a_kept_visit_saves_it_linked(visit, make_visit, hospital, patient, doctor, client_for):
    arrived = make_visit(Status.CONFIRMED, token_number=2, arrived_at=timezone.now())
    response = client_for(doctor).post(_new_url(hospital, patient, arrived), _form_data())
    assert response.status_code == 302
    assert Prescription.objects.get().appointment == arrived


def test_patient_page_offers_only_kept_visits_to_prescribe_for(visit, make_visit, hospital, patient, doctor,
                                                              client_for):
    arrived = make_visit(Status.CONFIRMED, token_number=2, arrived_at=timezone.now())
    not_kept = [make_visit(Status.REJECTED), make_visit(Status.CANCELLED), make_visit(Status.NO_SHOW, token_number=3)]
    latest_rejected = AppointmentFactory(membership=visit.membership, patient=patient, date=date(2025, 4, 1),
                                         status=Status.REJECTED)

    page = client_for(doctor).get(reverse("clinical:patient", args=[hospital.slug, patient.pk])).content.decode()

    assert f"appointment={arrived.pk}\">Prescribe" in page
    for other in (*not_kept, latest_rejected):
        assert f"appointment={other.pk}\"" not in page
    # The "Write prescription" button takes the latest kept visit, not the later rejected request.
    assert f"?patient={patient.pk}&amp;appointment={arrived.pk}\"><i class=\"bi bi-prescription2" in page


def test_queue_offers_write_prescription_only_for_kept_visits(hospital, doctor_membership, doctor, patient,
                                                             client_for):
    today = local_now(hospital).date()

    def today_visit(hour, status, token, **fields):
        return AppointmentFactory(membership=doctor_membership, patient=patient, date=today, start_time=time(hour),
                                  end_time=time(hour, 15), status=status, token_number=token, **fields)

    called = today_visit(8, Status.CONFIRMED, 1)
    arrived = today_visit(9, Status.CONFIRMED, 2, arrived_at=timezone.now())
    completed = today_visit(10, Status.COMPLETED, 3)
    waiting = today_visit(11, Status.CONFIRMED, 4)
    missed = today_visit(12, Status.NO_SHOW, 5)
    QueueState.objects.create(hospital=hospital, membership=doctor_membership, date=today, now_serving=1)

    page = client_for(doctor).get(reverse("desk:queue", args=[hospital.slug])).content.decode()

    for kept in (called, arrived, completed):
        assert f"appointment={kept.pk}\"" in page
    for other in (waiting, missed):
        assert f"appointment={other.pk}\"" not in page
