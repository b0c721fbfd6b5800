"""The operator's Django admin: tests, analytes and ranges can be edited there under the same range rules."""

import pytest
from django.urls import reverse

from labs.models import Analyte, ReferenceRange

from .factories import AnalyteFactory, LabTestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(email="op@example.test", password="x",
                                                                   full_name="Operator"))
    return client


def test_operator_adds_an_analyte_inline_in_the_tests_hospital(operator_client, hospital):
    test = LabTestFactory(hospital=hospital)
    url = reverse("admin:labs_labtest_change", args=[test.pk])
    data = {
        "hospital": hospital.pk, "code": test.code, "name": test.name, "section": test.section,
        "sample_type": test.sample_type, "preparation": "", "price": "100.00", "currency": "BDT",
        "turnaround_hours": "6", "active": "on",
        "analytes-TOTAL_FORMS": "1", "analytes-INITIAL_FORMS": "0", "analytes-MIN_NUM_FORMS": "0",
        "analytes-MAX_NUM_FORMS": "1000", "analytes-0-order": "1", "analytes-0-name": "Sodium",
        "analytes-0-unit": "mmol/L", "analytes-0-result_kind": "numeric", "analytes-0-choices": "",
        "analytes-0-decimals": "0", "analytes-0-max_value": "1000",
    }

    response = operator_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Analyte.objects.get(name="Sodium").hospital == hospital


def test_an_overlapping_range_is_refused_in_the_admin_too(operator_client, hospital):
    analyte = AnalyteFactory(lab_test__hospital=hospital)
    ReferenceRange.objects.create(analyte=analyte, hospital=hospital, sex="any", low=1, high=2)

    response = operator_client.post(reverse("admin:labs_referencerange_add"), {
        "analyte": analyte.pk, "sex": "female", "age_from_days": "0", "age_to_days": "", "low": "3", "high": "4",
        "critical_low": "", "critical_high": "", "interpretation": "",
    })

    assert response.status_code == 200
    assert "overlaps the any range" in response.content.decode()
    assert analyte.ranges.count() == 1
