"""The consumer expires unpaid lab orders every minute (payments' one sweep) and escalates unacknowledged critical
results every five."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY

from labs import tasks
from labs.models import LabOrder
from notifications.models import Notification
from payments.tasks import expire_holds_task

WHEN = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def _due(when: datetime) -> set[str]:
    autodiscover_modules("tasks")
    return {task.name for task in HUEY.read_periodic(when.replace(tzinfo=None))}


def test_lab_sweeps_are_scheduled():
    for minute in range(0, 10):
        due = _due(WHEN + timedelta(minutes=minute))
        assert "expire_holds_task" in due
        assert ("escalate_criticals_task" in due) is (minute % 5 == 0)


@pytest.mark.django_db
def test_the_tasks_expire_holds_and_escalate(make_order, lab_worker, hospital_admin, settings):
    from labs import services

    from .conftest import NOW

    settings.LAB_CRITICAL_ESCALATION_MINUTES = 30
    waiting = make_order("awaiting_payment")
    order = make_order("sample_collected")
    analytes = {a.name: a.pk for line in order.lines.all() for a in line.lab_test.analytes.all()}
    services.enter_results(order=order, values={analytes["Haemoglobin"]: "21.5", analytes["Fasting glucose"]: "5",
                                                analytes["Urine glucose"]: "Nil"}, by=lab_worker, now=NOW)
    services.verify_and_report(order=order, by=lab_worker, now=NOW)

    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert expire_holds_task.call_local() == 1
        assert tasks.escalate_criticals_task.call_local() == 1

    assert LabOrder.objects.get(pk=waiting.pk).status == "expired"
    assert Notification.objects.filter(user=hospital_admin, event="lab_critical_escalated").count() == 1
