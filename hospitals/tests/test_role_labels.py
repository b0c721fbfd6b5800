"""Staff roles read the same everywhere: "Lab worker", never "Labworker" or "Lab_worker"."""

import pytest
from django.urls import reverse

from records.models import AccessLog
from records.services import append_access_log

pytestmark = pytest.mark.django_db


def test_desk_dashboard_names_the_lab_workers_role(lab_worker, hospital, client_for):
    page = client_for(lab_worker).get(reverse("manage:dashboard", args=[hospital.slug]), follow=True).content.decode()
    assert "Lab worker" in page and "Labworker" not in page


def test_patients_access_log_names_the_lab_workers_role(lab_worker, hospital, patient, client_for):
    append_access_log(accessor=lab_worker, hospital=hospital, role="lab_worker", patient=patient,
                      object_type=AccessLog.ObjectType.RECORD, object_id=None, label="Health record")
    page = client_for(patient).get(reverse("records:access-log")).content.decode()
    assert "(Lab worker)" in page and "Lab_worker" not in page
