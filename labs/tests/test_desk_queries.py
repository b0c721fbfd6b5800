"""The catalogue list, the queue, the order page and the desk's API list cost the same queries with 10x the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from .factories import AnalyteFactory, LabTestFactory

pytestmark = pytest.mark.django_db
BUDGET = 15


def count(client, url) -> int:
    """Queries of one GET, leaving out the staff session's idle-time stamp (written when a minute has passed)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    stamp = ("SAVEPOINT", "RELEASE SAVEPOINT", 'UPDATE "django_session"')
    return len([q for q in queries.captured_queries if not q["sql"].startswith(stamp)])


def test_catalogue_list_is_flat(client_for, lab_worker, hospital):
    client = client_for(lab_worker)
    url = f"/manage/{hospital.slug}/lab/tests/"

    def add(n):
        for _ in range(n):
            AnalyteFactory(lab_test=LabTestFactory(hospital=hospital))

    add(2)
    few = count(client, url)
    add(18)
    many = count(client, url)

    assert few == many <= BUDGET


def test_queue_and_api_list_are_flat(client_for, lab_worker, hospital, make_order):
    from accounts.tests.factories import PatientFactory

    client = client_for(lab_worker)
    api = APIClient()
    api.force_authenticate(lab_worker)
    page_url = f"/manage/{hospital.slug}/lab/orders/"
    api_url = f"/api/v1/manage/{hospital.slug}/lab/orders/"

    make_order("paid", prescription=False)
    make_order("sample_collected", prescription=False)
    api.get(api_url)  # the first staff request stores the session once
    few = count(client, page_url), count(api, api_url)
    for status in ["paid", "sample_collected", "reported"] * 6:
        make_order(status, patient=PatientFactory(), prescription=False)
    many = count(client, page_url), count(api, api_url)

    assert few == many and max(many) <= BUDGET


def test_desk_home_and_doctor_dashboard_are_within_budget(client_for, lab_worker, doctor, hospital, make_order):
    make_order("reported")

    assert count(client_for(lab_worker), f"/manage/{hospital.slug}/lab/") <= BUDGET
    assert count(client_for(doctor), f"/manage/{hospital.slug}/") <= BUDGET + 10  # the dashboard's other panels
