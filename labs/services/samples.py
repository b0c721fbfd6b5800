"""The sample: collected under the hospital's next accession number, or rejected and taken again."""

import re
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from healthstack.localtime import hospital_now
from healthstack.status import locked

from ..models import AccessionCounter, LabOrder, ResultError
from ._common import Status, _text

def accession_prefix(hospital) -> str:
    """The hospital's letters in its accession numbers: the initials of its slug's words ("DCH"), or the
    first three letters of a one-word slug."""
    words = [word for word in hospital.slug.split("-") if word]
    if len(words) >= 2:
        letters = "".join(word[0] for word in words[:4])
    else:
        letters = (words[0] if words else "LAB")[:3]
    return re.sub(r"[^A-Z0-9]", "", letters.upper()) or "LAB"


def next_accession(hospital, *, now: datetime | None = None) -> str:
    """The hospital's next accession number this year (its local year): ``DCH-26-000123``.

    Takes the row lock of the hospital's counter for the year (creating it the first time),
    so concurrent collections get consecutive numbers; must run inside a transaction.
    """
    year = hospital_now(hospital, now).year
    AccessionCounter.objects.get_or_create(hospital=hospital, year=year)
    counter = AccessionCounter.objects.select_for_update().get(hospital=hospital, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{accession_prefix(hospital)}-{year % 100:02d}-{counter.last:06d}"


@transaction.atomic
def collect_sample(*, order: LabOrder, by, now: datetime | None = None) -> LabOrder:
    """paid → sample_collected: give the order its accession number (kept if the sample is taken again)
    and a due time (collection plus the longest turnaround of its tests). Locks the order, then the
    hospital's accession counter. Raises InvalidTransition unless the order is paid."""
    now = now or timezone.now()
    order = locked(order, LabOrder.objects.with_people())
    order.check_can_become(Status.SAMPLE_COLLECTED)
    if not order.accession:
        order.accession = next_accession(order.hospital, now=now)
    longest = order.lines.aggregate(hours=Max("lab_test__turnaround_hours"))["hours"] or 24
    order.collected_at, order.collected_by, order.due_at = now, by, now + timedelta(hours=longest)
    order.transition_to(Status.SAMPLE_COLLECTED, by=by,
                        fields=["accession", "collected_at", "collected_by", "due_at"])
    return order


@transaction.atomic
def reject_sample(*, order: LabOrder, by, reason: str) -> LabOrder:
    """sample_collected → paid: the sample cannot be used (haemolysed, clotted, mislabelled); it is taken again
    under the same accession number. Raises ResultError (field ``reason``) without a reason."""
    reason = _text(reason, "reason", max_length=500, error=ResultError)
    order = locked(order)
    order.check_can_become(Status.PAID)
    order.collected_at = order.collected_by = order.due_at = None
    order.transition_to(Status.PAID, by=by, reason=reason, fields=["collected_at", "collected_by", "due_at"])
    return order
