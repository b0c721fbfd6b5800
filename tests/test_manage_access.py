"""Every /manage/<hospital>/ URL in the project keeps outsiders out.

The URL list is read from the resolver, so pages added by any app are walked too:
a visitor is sent to log in; a patient and the staff of another hospital get a 404
(the staff area does not confirm that the hospital exists). A URL naming an object
is also walked by the hospital's own staff with a real object of another hospital:
a view that looked the object up without the hospital filter would find it.
"""

import re
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.tests.factories import PatientFactory
from appointments.tests.factories import AppointmentFactory, DayOffFactory, ScheduleRuleFactory
from healthstack.testing import url_routes
from hospitals.models import DoctorCertificate, Membership, StaffInvitation
from hospitals.tests.factories import DepartmentFactory, MembershipFactory
from payments.models import Payment
from pharmacy import services as pharmacy_services
from pharmacy.tests.factories import MedicineFactory
from records.services import issue_prescription
from records.tests.factories import TINY_PDF, MedicalDocumentFactory, PrescriptionFactory, PrescriptionItemFactory


def _manage_paths(prefix="manage/<slug:hospital_slug>/"):
    for route, _view in url_routes():
        if route.startswith(prefix):
            path = route.replace("<slug:hospital_slug>", "{slug}")
            path = re.sub(r"<int:\w+>", "1", path)
            path = re.sub(r"<(?:str|slug):\w+>", "x", path)
            path = re.sub(r"<\w+>", "x", path)
            yield "/" + path


def _routes_with_an_id(prefix):
    return sorted({"/" + route for route, _view in url_routes() if route.startswith(prefix) and route.count("<") > 1})


MANAGE_PATHS = sorted(set(_manage_paths()))
ROUTES_WITH_AN_ID = [*_routes_with_an_id("manage/"), *_routes_with_an_id("api/v1/manage/")]
API_MANAGE_PATHS = sorted(set(_manage_paths("api/v1/manage/<slug:hospital_slug>/")))


def test_manage_paths_are_discovered():
    assert "/manage/{slug}/" in MANAGE_PATHS
    assert "/manage/{slug}/doctors/applications/" in MANAGE_PATHS


@pytest.mark.django_db
@pytest.mark.parametrize("path", MANAGE_PATHS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_manage_url_outsiders(path, method, client, client_for, hospital, other_hospital, patient):
    url = path.format(slug=hospital.slug)

    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    assert getattr(client_for(patient), method)(url).status_code == 404

    outsider = MembershipFactory(hospital=other_hospital, role="admin").user
    assert getattr(client_for(outsider), method)(url).status_code == 404


@pytest.mark.django_db
def test_manage_unknown_hospital_is_404(client_for, hospital_admin):
    assert client_for(hospital_admin).get("/manage/no-such-hospital/").status_code == 404


def test_api_manage_paths_are_discovered():
    assert "/api/v1/manage/{slug}/appointments/" in API_MANAGE_PATHS


@pytest.mark.django_db
@pytest.mark.parametrize("path", API_MANAGE_PATHS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_api_manage_url_outsiders(path, method, client, client_for, hospital, other_hospital, patient):
    url = path.format(slug=hospital.slug)

    anonymous = getattr(client, method)(url)
    assert anonymous.status_code in (401, 403) and "detail" in anonymous.json()

    as_patient = getattr(client_for(patient), method)(url)
    assert as_patient.status_code == 404 and as_patient["Content-Type"] == "application/json"

    outsider = MembershipFactory(hospital=other_hospital, role="admin").user
    assert getattr(client_for(outsider), method)(url).status_code == 404


# The word before an id in a staff URL -> the kind of object it names.
KIND_BEFORE_ID = {
    "departments": "department", "invitations": "invitation", "staff": "staff_membership",
    "applications": "application", "certificates": "certificate", "rules": "schedule_rule",
    "days-off": "day_off", "appointments": "appointment", "payments": "payment", "patients": "patient",
    "documents": "document", "prescriptions": "prescription",
    "tests": "lab_test", "analytes": "analyte", "ranges": "reference_range", "orders": "lab_order",
    "reports": "lab_report",
    "medicines": "medicine", "batches": "stock_batch", "pharmacy/orders": "medicine_order",
}
STAFF_ROLES = [role for role, _ in Membership.Role.choices]
# The word before an id, and the one before it: "pharmacy/orders" is looked up before "orders".
ID_IN_ROUTE = re.compile(r"(?:([\w-]+)/)?([\w-]+)/<(?:int:)?(\w+)>")


def _issued_prescription(doctor, patient):
    draft = PrescriptionFactory(membership=doctor, patient=patient)
    PrescriptionItemFactory(prescription=draft)
    return issue_prescription(prescription=draft, by=doctor.user)


def _lab_objects(hospital, doctor, patient) -> dict:
    """A test with an analyte and a range, and a reported order (with its report) of ``patient`` at ``hospital``."""
    from labs import services as labs
    from labs.tests.factories import (
        AnalyteFactory,
        LabTestFactory,
        ReferenceRangeFactory,
    )

    lab_test = LabTestFactory(hospital=hospital)
    analyte = AnalyteFactory(lab_test=lab_test)
    reference_range = ReferenceRangeFactory(analyte=analyte, low=Decimal("1"), high=Decimal("2"))
    worker = Membership.objects.get(hospital=hospital, role="lab_worker").user
    order = labs.order_tests(patient=patient, hospital=hospital, tests=[lab_test])
    order = labs.mark_order_paid(order=order, by=patient)
    order = labs.collect_sample(order=order, by=worker)
    labs.enter_results(order=order, values={analyte.pk: "1.5"}, by=worker)
    report = labs.verify_and_report(order=order, by=worker)
    return {"lab_test": lab_test, "analyte": analyte, "reference_range": reference_range, "lab_order": order,
            "lab_report": report}


def _pharmacy_objects(hospital, patient) -> dict:
    """A medicine with a batch, and the patient's paid order of it."""
    medicine = MedicineFactory(hospital=hospital, unit_price=Decimal("12.00"))
    batch = pharmacy_services.receive_stock(medicine=medicine, by=None, batch_number="B1", quantity=50, cost="1.00",
                                            expiry_date=timezone.localdate() + timedelta(days=300))
    pharmacy_services.add_to_cart(patient=patient, medicine=medicine, quantity=2)
    order = pharmacy_services.checkout(patient=patient,
                                       order=pharmacy_services.open_cart(patient=patient, hospital=hospital))
    order = pharmacy_services.mark_order_paid(order=order, by=patient)
    return {"medicine": medicine, "stock_batch": batch, "medicine_order": order}


def _hospital_objects(hospital) -> tuple[dict, dict]:
    """One staff user per role at ``hospital``, and one real object of every kind a staff URL names.

    The doctor has a completed visit with the patient, so the patient is in their care and
    the prescription and document are theirs to open.
    """
    staff = {role: MembershipFactory(hospital=hospital, role=role) for role in STAFF_ROLES}
    doctor = staff["doctor"]
    patient = PatientFactory()
    visit = AppointmentFactory(membership=doctor, patient=patient, date=date(2026, 1, 4), status="completed",
                               token_number=1)
    application = MembershipFactory(hospital=hospital, role="doctor", status=Membership.Status.PENDING)
    objects = {
        "department": DepartmentFactory(hospital=hospital),
        "invitation": StaffInvitation.objects.create(
            hospital=hospital, email=f"new@{hospital.slug}.test", full_name="New Receptionist", role="receptionist",
            token=f"token-{hospital.slug}", expires_at=timezone.now() + timedelta(days=7)),
        "staff_membership": staff["lab_worker"],
        "application": application,
        "certificate": DoctorCertificate.objects.create(
            hospital=hospital, membership=application, file=ContentFile(TINY_PDF, name="bmdc.pdf"), kind="pdf",
            original_name="bmdc.pdf"),
        "schedule_rule": ScheduleRuleFactory(membership=doctor),
        "day_off": DayOffFactory(membership=doctor, date=date(2026, 12, 30)),
        "appointment": AppointmentFactory(membership=doctor, date=date(2026, 12, 29), start_time=time(10),
                                          end_time=time(10, 15)),
        "payment": Payment.objects.create(
            tran_id=f"HS-{hospital.slug}", payer=patient, hospital=hospital, amount=Decimal("500.00"),
            description="Consultation", status=Payment.Status.PAID, payable=visit),
        "patient": patient,
        "document": MedicalDocumentFactory(patient=patient),
        "prescription": _issued_prescription(doctor, patient),
        **_lab_objects(hospital, doctor, patient),
        **_pharmacy_objects(hospital, patient),
    }
    return {role: membership.user for role, membership in staff.items()}, objects


def _fill(route: str, hospital, objects) -> str:
    def object_id(match):
        before, word = match.group(1), match.group(2)
        kind = KIND_BEFORE_ID.get(f"{before}/{word}") or KIND_BEFORE_ID.get(word)
        assert kind, f"{route}: give the walker a real object for the id after {word!r}"
        return f"{before + '/' if before else ''}{word}/{objects[kind].pk}"

    return ID_IN_ROUTE.sub(object_id, route.replace("<slug:hospital_slug>", hospital.slug))


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES_WITH_AN_ID)
def test_staff_url_with_an_id_finds_only_its_own_hospitals_object(route, client_for, hospital, other_hospital):
    staff, own = _hospital_objects(hospital)
    _, theirs = _hospital_objects(other_hospital)
    clients = {role: client_for(user) for role, user in staff.items()}

    elsewhere = _fill(route, hospital, theirs)
    answers = {(role, method): getattr(client, method)(elsewhere).status_code
               for role, client in clients.items() for method in ("get", "post")}
    assert set(answers.values()) <= {403, 404, 405}, answers
    assert 404 in answers.values(), answers

    # The same URL with this hospital's own object is found by someone: the 404 above was the filter.
    here = _fill(route, hospital, own)
    found = {(role, method): getattr(client, method)(here).status_code
             for role, client in clients.items() for method in ("get", "post")}
    assert set(found.values()) - {403, 404, 405}, found
