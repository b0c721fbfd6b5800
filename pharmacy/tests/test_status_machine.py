"""Every MedicineOrder status pair through the shared matrix, and the history a real order leaves."""

import pytest

from healthstack.testing import check_transition, transition_matrix
from pharmacy import services
from pharmacy.models import InvalidTransition, MedicineOrder
from pharmacy.selectors import assert_ledger_balanced

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("from_status", "to_status", "allowed"), transition_matrix(MedicineOrder))
def test_medicine_order_transition(from_status, to_status, allowed, hospital, patient, pharmacist):
    order = MedicineOrder.objects.create(hospital=hospital, patient=patient, status=from_status)
    check_transition(order, to_status, allowed, by=pharmacist, history=lambda row: row.status_changes.all())


def test_refused_move_says_what_the_order_is(hospital, patient, pharmacist, medicine, receive, paid_order):
    receive(medicine, 5)
    order = paid_order(medicine, 1)

    with pytest.raises(InvalidTransition, match="This medicine order is paid; it cannot become collected."):
        services.mark_collected(order=order, by=pharmacist)
    assert_ledger_balanced()


def test_a_real_order_leaves_its_whole_history(patient, medicine, pharmacist, receive, paid_order):
    receive(medicine, 5)
    order = paid_order(medicine, 2)
    services.start_preparing(order=order, by=pharmacist)
    services.mark_ready(order=order, by=pharmacist)
    services.mark_collected(order=order, by=pharmacist)

    history = list(order.status_changes.values_list("from_status", "to_status", "by"))
    assert history == [("", "cart", patient.pk), ("cart", "awaiting_payment", patient.pk),
                       ("awaiting_payment", "paid", patient.pk), ("paid", "preparing", pharmacist.pk),
                       ("preparing", "ready", pharmacist.pk), ("ready", "collected", pharmacist.pk)]
    assert all(row.hospital_id == order.hospital_id for row in order.status_changes.all())
