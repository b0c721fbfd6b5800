"""The status machine primitive: moves only on a row locked in the current transaction."""

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from healthstack.models import DocumentCode
from healthstack.status import locked
from healthstack.testing import check_transition, transition_matrix
from hospitals.models import Hospital
from hospitals.tests.factories import HospitalFactory


def _code(status="valid"):
    return DocumentCode.objects.create(code=f"MATRIX-{status}", kind="receipt", issued_at=timezone.now(),
                                       hospital_name="H", patient_initials="A.R.", status=status)


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status", "allowed"), transition_matrix(DocumentCode))
def test_document_code_transition(from_status, to_status, allowed):
    check_transition(_code(from_status), to_status, allowed)


@pytest.mark.django_db
def test_a_row_not_read_with_locked_cannot_move():
    hospital = HospitalFactory(status="pending")
    with pytest.raises(TransactionManagementError, match="locked"), transaction.atomic():
        Hospital.objects.get(pk=hospital.pk).transition_to(Hospital.Status.APPROVED, by=None)
    hospital.refresh_from_db()
    assert hospital.status == "pending" and not hospital.status_changes.exists()


@pytest.mark.django_db(transaction=True)
def test_locking_needs_a_transaction_and_a_lock_does_not_outlive_it():
    hospital = HospitalFactory(status="pending")
    with pytest.raises(TransactionManagementError):
        locked(hospital)
    with transaction.atomic():
        stale = locked(hospital)
    with pytest.raises(TransactionManagementError), transaction.atomic():
        stale.transition_to(Hospital.Status.APPROVED, by=None)
    with transaction.atomic():
        locked(hospital).transition_to(Hospital.Status.APPROVED, by=None)
    hospital.refresh_from_db()
    assert hospital.status == "approved" and hospital.status_changes.count() == 1
