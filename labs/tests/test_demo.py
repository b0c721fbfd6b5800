"""The demo's laboratory: a catalogue at every approved hospital, orders in every state, a critical result
awaiting its doctor, an HbA1c trend; seeding again adds nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from healthstack.models import OutgoingEmail
from hospitals.demo import DHAKA, patient_email, seed
from labs import selectors
from labs.models import LabOrder, LabReport, LabResult, LabTest
from labs.services import escalate_unacknowledged_criticals
from notifications.models import Notification
from payments.models import Payment

pytestmark = pytest.mark.django_db


def test_demo_lab_catalogue_orders_and_trend(seeded_demo):
    hospital = seeded_demo.hospitals[DHAKA]
    approved = [h for h in seeded_demo.hospitals.values() if h.status == "approved"]
    for place in approved:
        assert LabTest.objects.for_hospital(place).count() >= 25, place.name
    cbc = LabTest.objects.get(hospital=hospital, code="CBC")
    assert {a.name for a in cbc.analytes.all()} >= {"Haemoglobin", "WBC (total count)", "Platelets", "RBC"}
    assert set(cbc.analytes.get(name="Haemoglobin").ranges.values_list("sex", flat=True)) == {"female", "male"}

    statuses = set(LabOrder.objects.for_hospital(hospital).values_list("status", flat=True))
    assert {"awaiting_payment", "paid", "in_progress", "reported"} <= statuses
    critical = LabOrder.objects.get(hospital=hospital, has_critical=True)
    assert critical.critical_pending and critical.ordering_membership is not None
    assert list(selectors.critical_results_awaiting(critical.ordering_membership.user)) == [critical]
    assert LabResult.objects.filter(report__isnull=False, flag="H").exists()
    paid_orders = LabOrder.objects.exclude(status__in=["cart", "awaiting_payment"])
    assert all(Payment.objects.for_payable(order).filter(status="paid").exists() for order in paid_orders)

    [trend] = [t for t in selectors.analyte_trends(seeded_demo.users[patient_email(1)]) if t.name == "HbA1c"]
    assert len(trend.points) >= 3 and len({p.hospital_name for p in trend.points}) == 2


def test_seeding_again_adds_no_lab_rows(seeded_demo):
    counts = (LabTest.objects.count(), LabOrder.objects.count(), LabReport.objects.count(), Payment.objects.count())
    seed()
    assert (LabTest.objects.count(), LabOrder.objects.count(), LabReport.objects.count(),
            Payment.objects.count()) == counts
    assert LabOrder.objects.filter(status="awaiting_payment").exists()


def test_the_demo_records_nothing_in_the_future(seeded_demo):
    from django.utils import timezone

    from healthstack.models import OutgoingEmail

    now = timezone.now()
    assert not LabReport.objects.filter(verified_at__gt=now).exists()
    # Every email the demo wrote is due: none waits for a time that has not come.
    assert not OutgoingEmail.objects.filter(next_attempt_at__gt=now).exists()


def test_the_demo_critical_was_escalated_when_seeded_so_the_first_sweep_emails_no_admin(seeded_demo):
    # Forty minutes unacknowledged when seeded: the admins were told then, in the app.
    assert Notification.objects.filter(event="lab_critical_escalated", user__email="admin@dhaka-central.test").exists()
    # So the consumer's first five-minute sweep after `make run` has nobody to email.
    assert escalate_unacknowledged_criticals(now=timezone.now() + timedelta(minutes=5)) == 0
    assert not OutgoingEmail.objects.exists()
