"""A membership's status history starts when it is created: one row "" → its first status, by whom, when,
whichever way it was created."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.tests.factories import DoctorFactory, UserFactory
from hospitals import services
from hospitals.models import Membership

pytestmark = pytest.mark.django_db

CREATED_AT = datetime(2026, 11, 30, 4, 15, tzinfo=UTC)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _history(membership):
    return list(membership.status_changes.values_list("from_status", "to_status", "by", "at"))


def test_registering_a_hospital_starts_its_admins_history():
    founder = UserFactory()

    with time_machine.travel(CREATED_AT, tick=False):
        hospital = services.register_hospital(user=founder, name="Green Life Hospital", city="Dhaka",
                                              address="32 Green Road", phone="01700000000",
                                              email="info@greenlife.example.test")

    admin_membership = hospital.memberships.get(role="admin")
    assert _history(admin_membership) == [("", "approved", founder.pk, CREATED_AT)]


def test_applying_to_a_hospital_starts_the_applications_history(hospital, department):
    from healthstack.files import CERTIFICATE_KINDS, check_upload

    applicant = DoctorFactory()
    certificate = check_upload(SimpleUploadedFile("bmdc.pdf", PDF_BYTES), allowed=CERTIFICATE_KINDS, max_mb=5)

    with time_machine.travel(CREATED_AT, tick=False):
        membership = services.apply_to_hospital(user=applicant, hospital=hospital, department=department,
                                                consultation_fee=Decimal("500.00"), certificates=[certificate])

    assert _history(membership) == [("", "pending", applicant.pk, CREATED_AT)]


@pytest.mark.parametrize("signed_in", [False, True], ids=["new account", "signed in"])
def test_accepting_an_invitation_starts_the_staff_members_history(hospital, hospital_admin, signed_in):
    invitation = services.invite_staff(hospital=hospital, email="mitu@example.test", full_name="Mitu Das",
                                       role="lab_worker", by=hospital_admin)
    user = UserFactory(email="mitu@example.test") if signed_in else None

    with time_machine.travel(CREATED_AT, tick=False):
        membership = services.accept_invitation(token=invitation.token, user=user, password="Sturdy-pass-91")

    assert _history(membership) == [("", "approved", hospital_admin.pk, CREATED_AT)]


def test_the_operator_adding_a_membership_in_the_django_admin_starts_its_history(client_for, hospital):
    operator = get_user_model().objects.create_superuser(email="operator@example.test", password="x",
                                                         full_name="Operator")
    receptionist = UserFactory()

    with time_machine.travel(CREATED_AT, tick=False):
        response = client_for(operator).post(reverse("admin:hospitals_membership_add"), {
            "user": receptionist.pk, "hospital": hospital.pk, "role": "receptionist", "consultation_fee": "0.00",
            "currency": "BDT", "cover_letter": "", "decision_reason": "",
            "certificates-TOTAL_FORMS": "0", "certificates-INITIAL_FORMS": "0",
            "status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0",
        })

    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=receptionist)
    assert _history(membership) == [("", "pending", operator.pk, CREATED_AT)]


def test_every_membership_of_the_demo_starts_with_its_first_status(seeded_demo):
    memberships = list(Membership.objects.all())

    assert memberships
    for membership in memberships:
        assert list(membership.status_changes.values_list("from_status", "to_status")) == [
            ("", membership.status)], membership
