"""Every hospital and membership status pair, and the history the operator's and admins' moves leave."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from healthstack.testing import check_transition, transition_matrix
from hospitals import services
from hospitals.models import Hospital, Membership

from .factories import HospitalFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("from_status", "to_status", "allowed"), transition_matrix(Hospital))
def test_hospital_transition(from_status, to_status, allowed, operator):
    hospital = HospitalFactory(status=from_status)
    check_transition(hospital, to_status, allowed, by=operator, history=lambda row: row.status_changes.all())


@pytest.mark.parametrize(("from_status", "to_status", "allowed"), transition_matrix(Membership))
def test_membership_transition(from_status, to_status, allowed, hospital, hospital_admin):
    membership = MembershipFactory(hospital=hospital, role="receptionist", status=from_status)
    check_transition(membership, to_status, allowed, by=hospital_admin, history=lambda row: row.status_changes.all())


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser(email="operator@example.test", password="x", full_name="Op")


def test_operator_moves_leave_a_hospital_history(operator):
    hospital = HospitalFactory(status="pending")
    services.approve_hospital(hospital=hospital, by=operator)
    services.suspend_hospital(hospital=hospital, by=operator, reason="Licence lapsed.")
    services.suspend_hospital(hospital=hospital, by=operator)  # already suspended: nothing more happens
    services.approve_hospital(hospital=hospital, by=operator)
    assert list(hospital.status_changes.values_list("from_status", "to_status", "by", "reason")) == [
        ("pending", "approved", operator.pk, ""),
        ("approved", "suspended", operator.pk, "Licence lapsed."),
        ("suspended", "approved", operator.pk, ""),
    ]


def test_admin_suspend_action_goes_through_the_service(operator):
    hospital = HospitalFactory(status="approved")
    request = RequestFactory().post("/")
    request.user = operator
    model_admin = site._registry[Hospital]
    model_admin.message_user = lambda *args, **kwargs: None
    model_admin.suspend(request, Hospital.objects.filter(pk=hospital.pk))
    hospital.refresh_from_db()
    assert hospital.status == "suspended"
    assert list(hospital.status_changes.values_list("to_status", "by")) == [("suspended", operator.pk)]
    assert "status" in model_admin.get_readonly_fields(request, hospital)


def test_staff_moves_leave_a_membership_history(hospital, hospital_admin, receptionist):
    membership = Membership.objects.get(user=receptionist, hospital=hospital)
    services.suspend_member(membership=membership, by=hospital_admin, reason="On leave without notice.")
    services.restore_member(membership=membership, by=hospital_admin)
    rows = list(membership.status_changes.values_list("hospital", "from_status", "to_status", "by", "reason"))
    assert rows == [
        (hospital.pk, "approved", "suspended", hospital_admin.pk, "On leave without notice."),
        (hospital.pk, "suspended", "approved", hospital_admin.pk, "Restored."),
    ]
