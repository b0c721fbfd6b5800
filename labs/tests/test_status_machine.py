"""Every LabOrder status pair: allowed moves happen with one history row, the others are refused."""

import pytest
from django.db import transaction

from healthstack.status import locked
from healthstack.testing import check_transition, transition_matrix
from labs.models import LabError, LabOrder

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("from_status", "to_status", "allowed"), transition_matrix(LabOrder))
def test_lab_order_transition(from_status, to_status, allowed, hospital, patient, lab_worker):
    order = LabOrder.objects.create(hospital=hospital, patient=patient, status=from_status)

    check_transition(order, to_status, allowed, by=lab_worker, history=lambda row: row.status_changes.all())


def test_lab_order_refusal_is_a_lab_error_that_says_what_it_is(hospital, patient, lab_worker):
    order = LabOrder.objects.create(hospital=hospital, patient=patient, status="reported")

    with pytest.raises(LabError, match="This lab order is reported; it cannot become cancelled."):
        with transaction.atomic():
            locked(order).transition_to(LabOrder.Status.CANCELLED, by=lab_worker)
