"""Fixtures for the API-wide tests: one of everything a path can name, and a client per kind of user."""

import re
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD
from appointments.slots import local_now
from appointments.tests.factories import AppointmentFactory, ScheduleRuleFactory
from records import services as record_services
from records.tests.factories import MedicalDocumentFactory, PrescriptionFactory, PrescriptionItemFactory


class ApiWorld:
    """Real ids and slugs for /api/v1/ paths, all owned by ``patient`` at ``hospital``.

    ``value(name, path)``: what fills the placeholder ``name`` in ``path`` (a URLconf route or a
    schema template); an id is picked by the collection it follows (``appointments/<int:pk>``).
    """

    def __init__(self, *, hospital_slug, membership_id, ids):
        self.slugs = {"slug": hospital_slug, "hospital_slug": hospital_slug, "membership_id": membership_id}
        self.ids = ids

    def value(self, name, path):
        if name in self.slugs:
            return self.slugs[name]
        collection = re.findall(r"([a-z_-]+)/[<{]", path)[-1]  # "lab-orders" and "medicine-orders" differ
        return self.ids[collection]

    def fill(self, route) -> str:
        """A URLconf route ("api/v1/doctors/<int:pk>/") as a real path ("/api/v1/doctors/3/")."""
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(self.value(m.group(1), route)), route)


@pytest.fixture
def api_world(patient, doctor, doctor_membership, receptionist):
    day = local_now(doctor_membership.hospital).date() + timedelta(days=3)
    ScheduleRuleFactory(membership=doctor_membership, weekday=day.weekday())
    appointment = AppointmentFactory(membership=doctor_membership, patient=patient, date=day)
    prescription = PrescriptionFactory(membership=doctor_membership, patient=patient)
    PrescriptionItemFactory(prescription=prescription)
    record_services.issue_prescription(prescription=prescription, by=doctor)
    document = MedicalDocumentFactory(patient=patient)
    lab_order = _paid_lab_order(patient, doctor_membership.hospital)
    medicine_order = _medicine_order(patient, doctor_membership.hospital)
    return ApiWorld(hospital_slug=doctor_membership.hospital.slug, membership_id=doctor_membership.pk, ids={
        "doctors": doctor.doctor_profile.pk, "prescriptions": prescription.pk, "documents": document.pk,
        "appointments": appointment.pk, "orders": lab_order.pk, "lab-orders": lab_order.pk,
        "medicine-orders": medicine_order.pk,
        # Staff-only pharmacy paths: none of the API-wide clients passes their guard, so any id does.
        "medicines": 1,
    })


def _paid_lab_order(patient, hospital):
    """A lab order of ``patient`` at ``hospital``, paid and awaiting its sample (the lab desk's paths name it)."""
    from labs import services as labs
    from labs.tests.factories import AnalyteFactory, LabTestFactory

    lab_test = LabTestFactory(hospital=hospital)
    AnalyteFactory(lab_test=lab_test)
    order = labs.order_tests(patient=patient, hospital=hospital, tests=[lab_test])
    return labs.mark_order_paid(order=order, by=patient)


def _medicine_order(patient, hospital):
    """A medicine order of ``patient`` awaiting payment (/api/v1/me/medicine-orders/<id>/)."""
    from datetime import date

    from pharmacy import services as pharmacy_services
    from pharmacy.tests.factories import MedicineFactory

    medicine = MedicineFactory(hospital=hospital, unit_price="25.00")
    pharmacy_services.receive_stock(medicine=medicine, by=None, batch_number="API1", quantity=50, cost="1.00",
                                    expiry_date=date(date.today().year + 2, 1, 1))
    pharmacy_services.add_to_cart(patient=patient, medicine=medicine, quantity=2)
    return pharmacy_services.checkout(patient=patient, order=pharmacy_services.open_cart(patient=patient,
                                                                                         hospital=hospital))


@pytest.fixture
def api_tokens(patient, receptionist):
    """{"anonymous": None, "patient": key, "receptionist": key}, keys from the API's own log-in."""
    from django.core.cache import cache

    cache.clear()  # a rate limit counted by an earlier test must not refuse these log-ins
    tokens = {"anonymous": None}
    for name, user in (("patient", patient), ("receptionist", receptionist)):
        login = APIClient().post("/api/v1/auth/login/", {"email": user.email, "password": PASSWORD}, format="json")
        assert login.status_code == 200, login.content
        tokens[name] = login.json()["token"]
    return tokens


@pytest.fixture
def api_clients(api_tokens):
    """An APIClient per kind of user: anonymous, a patient, a receptionist (Authorization: Token <key>)."""
    clients = {}
    for name, token in api_tokens.items():
        clients[name] = APIClient()
        if token:
            clients[name].credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return clients
