"""Races on PostgreSQL with real threads: ten samples collected at once get ten consecutive accession numbers."""

import pytest

from accounts.tests.factories import PatientFactory
from healthstack.testing import in_threads
from labs import services
from labs.models import LabOrder

from .conftest import NOW

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_collections_at_once_number_one_to_ten(hospital, haemoglobin_test, lab_worker):
    orders = []
    for _ in range(10):
        order = services.order_tests(patient=PatientFactory(), hospital=hospital, tests=[haemoglobin_test], now=NOW)
        orders.append(services.mark_order_paid(order=order, by=order.patient, now=NOW))

    results = in_threads(10, lambda i: services.collect_sample(order=orders[i], by=lab_worker, now=NOW))

    assert [outcome for outcome, _ in results] == ["ok"] * 10, results
    numbers = sorted(LabOrder.objects.filter(hospital=hospital).values_list("accession", flat=True))
    assert numbers == [f"GL-26-{n:06d}" for n in range(1, 11)]


def test_the_first_collections_of_a_year_race_to_create_the_counter(hospital, haemoglobin_test, lab_worker):
    orders = []
    for _ in range(5):
        order = services.order_tests(patient=PatientFactory(), hospital=hospital, tests=[haemoglobin_test], now=NOW)
        orders.append(services.mark_order_paid(order=order, by=order.patient, now=NOW))
    new_year = NOW.replace(year=2030)

    results = in_threads(5, lambda i: services.collect_sample(order=orders[i], by=lab_worker, now=new_year))

    assert [outcome for outcome, _ in results] == ["ok"] * 5, results
    assert sorted(LabOrder.objects.values_list("accession", flat=True)) == [f"GL-30-{n:06d}" for n in range(1, 6)]
