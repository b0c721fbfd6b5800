"""List pages keep a flat query count as their rows grow (DESIGN: no query per row, at most 15)."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from appointments.tests.factories import AppointmentFactory
from notifications.services import notify
from payments.models import Payment

BUDGET = 15


def _count(client, url):
    client.get(url)  # a staff member's first two requests set the staff flag, then start the idle clock
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _add_rows(n, *, hospital, patient, doctor_membership, offset):
    content_type = ContentType.objects.get_for_model(Appointment)
    for i in range(n):
        appointment = AppointmentFactory(
            hospital=hospital, patient=patient, membership=doctor_membership, status="requested",
            date=timezone.localdate() + timezone.timedelta(days=2 + offset + i),
        )
        Payment.objects.create(
            tran_id=f"T{offset + i:08d}", payer=patient, hospital=hospital, amount=Decimal("500.00"),
            description="Consultation", status="paid", content_type=content_type, object_id=appointment.pk,
            paid_at=timezone.now(),
        )
        notify(patient, "staff_restored", {"hospital_name": hospital.name})


@pytest.mark.django_db
@pytest.mark.parametrize("who,url_name,needs_slug", [
    ("patient", "payments:mine", False),
    ("patient", "appointments:mine", False),
    ("patient", "notifications:list", False),
    ("admin", "hospital_payments:list", True),
    ("admin", "manage:staff", True),
])
def test_list_pages_stay_flat(who, url_name, needs_slug, client_for, hospital, patient, hospital_admin,
                              doctor_membership):
    url = reverse(url_name, args=[hospital.slug] if needs_slug else [])
    client = client_for(patient if who == "patient" else hospital_admin)
    _add_rows(2, hospital=hospital, patient=patient, doctor_membership=doctor_membership, offset=0)
    few = _count(client, url)
    _add_rows(12, hospital=hospital, patient=patient, doctor_membership=doctor_membership, offset=2)
    many = _count(client, url)
    assert many == few
    assert many <= BUDGET
