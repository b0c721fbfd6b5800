"""The stock ledger: receiving, stock-takes, write-offs, and reserving, releasing and dispensing for orders.

The one writer of the ledger: no other module creates a StockMovement or changes a batch's
counts (``pharmacy/tests/test_stock_ledger.py`` checks the source). Every change goes through
``_move``: it changes a locked batch's on-hand and reserved counts and appends the StockMovement
that says so, so the ledger's sums always equal the batches (``selectors.assert_ledger_balanced``).
Whenever several batches are locked they are locked in primary-key order, so two checkouts never
wait on each other in a cycle. A reservation's units are recorded per line and batch as
LineAllocation rows, which are written here too.
"""

from collections import defaultdict
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hospitals.models import Hospital

from ..models import LineAllocation, Medicine, MedicineOrder, MedicineOrderLine, PharmacyError, StockBatch, StockMovement
from ._common import (
    MAX_BATCH_QUANTITY,
    Kind,
    Shortage,
    StockShortage,
    amount,
    local_today,
    only_left,
    text,
    whole_number,
)


def _move(batch: StockBatch, kind: str, *, by, now: datetime, quantity: int = 0, reserved: int = 0,
          reason: str = "", order: MedicineOrder | None = None) -> StockMovement:
    """Change a batch (read under a row lock) by ``quantity`` on hand and ``reserved``; append the movement."""
    batch.quantity_on_hand += quantity
    batch.quantity_reserved += reserved
    if batch.quantity_on_hand < 0 or not 0 <= batch.quantity_reserved <= batch.quantity_on_hand:
        raise PharmacyError(_("Batch %(batch)s does not hold that many units.") % {"batch": batch.batch_number},
                            field="quantity")
    batch.save(update_fields=["quantity_on_hand", "quantity_reserved"])
    return StockMovement.objects.create(
        hospital_id=batch.hospital_id, batch=batch, kind=kind, quantity=quantity, reserved_change=reserved,
        reason=reason[:255], by=by, at=now, order=order,
    )


def _lock_batches(ids) -> dict[int, StockBatch]:
    """Lock these batches in primary-key order (the one order every writer uses); return them by id."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {b.pk: b for b in StockBatch.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


@transaction.atomic
def receive_stock(*, medicine: Medicine, by, batch_number: str, expiry_date: date, quantity, cost,
                  supplier: str = "", now: datetime | None = None) -> StockBatch:
    """Receive a new batch of ``medicine``: a ``received`` movement of ``quantity`` units; return the batch.

    Raises PharmacyError (with the field) for a missing or repeated batch number, an expiry
    date not after today (in the hospital's zone), a quantity that is not a whole number from
    1 to 1,000,000, or a cost below zero.
    """
    now = now or timezone.now()
    number = text(batch_number, field="batch_number", required=True, max_length=40, label=_("Batch number"))
    if not isinstance(expiry_date, date) or isinstance(expiry_date, datetime):
        raise PharmacyError(_("Enter the expiry date."), field="expiry_date")
    if expiry_date <= local_today(medicine.hospital, now):
        raise PharmacyError(_("This batch has already expired; only stock with a future expiry date can be received."),
                            field="expiry_date")
    quantity = whole_number(quantity, field="quantity", high=MAX_BATCH_QUANTITY)
    cost = amount(cost, field="cost")
    supplier = text(supplier, field="supplier")
    if StockBatch.objects.filter(medicine=medicine, batch_number__iexact=number).exists():
        raise PharmacyError(_("Batch %(batch)s of this medicine was already received.") % {"batch": number},
                            field="batch_number")
    try:
        with transaction.atomic():
            batch = StockBatch.objects.create(
                hospital_id=medicine.hospital_id, medicine=medicine, batch_number=number, expiry_date=expiry_date,
                quantity_received=quantity, cost=cost, supplier=supplier, received_at=now, received_by=by,
            )
    except IntegrityError as exc:
        raise PharmacyError(_("Batch %(batch)s of this medicine was already received.") % {"batch": number},
                            field="batch_number") from exc
    batch = _lock_batches([batch.pk])[batch.pk]
    _move(batch, Kind.RECEIVED, by=by, now=now, quantity=quantity, reason=_("Received from %(supplier)s") % {
        "supplier": supplier} if supplier else _("Received"))
    return batch


@transaction.atomic
def adjust_stock(*, batch: StockBatch, by, counted, reason: str, now: datetime | None = None) -> StockBatch:
    """Stock-take: set the batch's units on hand to ``counted`` with an ``adjusted`` movement of the difference.

    Locks the batch. Raises PharmacyError for no reason, a count that is not a whole number,
    below zero, below the units reserved for orders, or equal to what is recorded.
    """
    reason = text(reason, field="reason", required=True, max_length=255, label=_("Reason"))
    counted = whole_number(counted, field="counted", low=0, high=MAX_BATCH_QUANTITY)
    batch = _lock_batches([batch.pk])[batch.pk]
    if counted < batch.quantity_reserved:
        raise PharmacyError(
            _("%(reserved)d units of this batch are reserved for orders; the count cannot be lower.")
            % {"reserved": batch.quantity_reserved}, field="counted")
    if counted == batch.quantity_on_hand:
        raise PharmacyError(_("The count matches the stock on record; nothing to adjust."), field="counted")
    _move(batch, Kind.ADJUSTED, by=by, now=now or timezone.now(), quantity=counted - batch.quantity_on_hand,
          reason=reason)
    return batch


@transaction.atomic
def write_off_expired(*, hospital: Hospital, by, now: datetime | None = None,
                      batch: StockBatch | None = None) -> list[StockMovement]:
    """Write off the free units of expired batches (one batch, or all of the hospital's); return the movements.

    Units still reserved for an order stay until that order releases them or picks another
    batch; a later write-off takes them. Raises PharmacyError when ``batch`` has not expired.
    """
    now = now or timezone.now()
    today = local_today(hospital, now)
    candidates = StockBatch.objects.for_hospital(hospital).expired(today)
    if batch is not None:
        if batch.hospital_id != hospital.pk or batch.expiry_date >= today:
            raise PharmacyError(_("Only an expired batch can be written off."), field="batch")
        candidates = candidates.filter(pk=batch.pk)
    ids = list(candidates.values_list("pk", flat=True))
    movements = []
    for row in _lock_batches(ids).values():
        free = row.quantity_available
        if free > 0:
            movements.append(_move(row, Kind.WRITTEN_OFF, by=by, now=now, quantity=-free,
                                   reason=_("Expired on %(date)s") % {"date": row.expiry_date.isoformat()}))
    return movements


def _plan(lines: list[MedicineOrderLine], batches: list[StockBatch]) -> tuple[list, list[Shortage]]:
    """Take each line's units from its medicine's batches, earliest expiry first; return (picks, shortages)."""
    by_medicine = defaultdict(list)
    for batch in sorted(batches, key=lambda b: (b.expiry_date, b.pk)):
        by_medicine[batch.medicine_id].append(batch)
    picks, shortages = [], []
    for index, line in enumerate(lines):
        wanted = line.quantity
        taken = []
        for batch in by_medicine[line.medicine_id]:
            free = batch.quantity_available - sum(q for b, q in taken if b is batch)
            if wanted <= 0:
                break
            if free > 0:
                take = min(free, wanted)
                taken.append((batch, take))
                wanted -= take
        if wanted > 0:
            left = line.quantity - wanted
            shortages.append(Shortage(index, line.medicine_id, line.quantity, left, only_left(line.medicine, left)))
        picks.append((line, taken))
    return picks, shortages


def plan_reservation(lines: list[MedicineOrderLine], *, today: date) -> list:
    """Lock the unexpired batches of the lines' medicines and take each line's units, earliest expiry first.

    Returns the picks (a line with its ``(batch, units)``) for ``reserve``; nothing is written.
    Raises StockShortage ("only N left", per item) when a line cannot be filled.
    """
    ids = StockBatch.objects.filter(medicine_id__in={line.medicine_id for line in lines}).unexpired(today).values_list(
        "pk", flat=True)
    batches = list(_lock_batches(ids).values())
    picks, shortages = _plan(lines, batches)
    if shortages:
        raise StockShortage(shortages)
    return picks


def reserve(order: MedicineOrder, picks, *, by, now: datetime) -> None:
    """Reserve the picked units for ``order`` (reserved movements) and record them as the lines' allocations."""
    for line, taken in picks:
        for batch, quantity in taken:
            _move(batch, Kind.RESERVED, by=by, now=now, reserved=quantity, order=order,
                  reason=_("Reserved for order %(number)s") % {"number": order.number})
            allocation, created = LineAllocation.objects.get_or_create(
                line=line, batch=batch, defaults={"hospital_id": order.hospital_id, "quantity": quantity})
            if not created:
                # A released allocation keeps only what it dispensed; the new units come on top.
                base = allocation.quantity_dispensed if allocation.released else allocation.quantity
                allocation.quantity = base + quantity
                allocation.released = False
                allocation.save(update_fields=["quantity", "released"])


def release(order: MedicineOrder, *, by, now: datetime, reason: str) -> None:
    """Give back every unit still reserved for ``order`` (released movements); allocations are marked released."""
    allocations = list(LineAllocation.objects.filter(line__order=order, released=False).order_by("batch_id"))
    batches = _lock_batches(a.batch_id for a in allocations)
    for allocation in allocations:
        left = allocation.quantity - allocation.quantity_dispensed
        if left > 0:
            _move(batches[allocation.batch_id], Kind.RELEASED, by=by, now=now, reserved=-left, order=order,
                  reason=reason)
        allocation.released = True
        allocation.save(update_fields=["released"])


def replace_expired_allocations(order: MedicineOrder, *, by, now: datetime) -> None:
    """Move units reserved on batches that have since expired to unexpired batches, earliest expiry first.

    What cannot be moved stays short (the pharmacist fills it partly). Locks the batches involved in id order.
    """
    today = local_today(order.hospital, now)
    stale = list(LineAllocation.objects.filter(line__order=order, released=False, batch__expiry_date__lt=today)
                 .select_related("line", "line__medicine"))
    if not stale:
        return
    medicine_ids = {a.line.medicine_id for a in stale}
    ids = set(StockBatch.objects.filter(medicine_id__in=medicine_ids).unexpired(today).values_list("pk", flat=True))
    batches = _lock_batches(ids | {a.batch_id for a in stale})
    for allocation in stale:
        left = allocation.quantity - allocation.quantity_dispensed
        batch = batches[allocation.batch_id]
        _move(batch, Kind.RELEASED, by=by, now=now, reserved=-left, order=order,
              reason=_("Batch expired before dispensing"))
        allocation.released = True
        allocation.save(update_fields=["released"])
        line = allocation.line
        fresh = [b for b in batches.values() if b.medicine_id == line.medicine_id and b.expiry_date >= today]
        shadow = MedicineOrderLine(pk=line.pk, medicine=line.medicine, quantity=left)
        picks, _short = _plan([shadow], fresh)
        reserve(order, [(line, taken) for _l, taken in picks], by=by, now=now)


def reserved_allocations(order: MedicineOrder) -> dict[int, list[LineAllocation]]:
    """The order's unreleased allocations (batches selected) by line id."""
    allocations = defaultdict(list)
    for allocation in LineAllocation.objects.filter(line__order=order, released=False).select_related("batch"):
        allocations[allocation.line_id].append(allocation)
    return allocations


def dispense(order: MedicineOrder, plan, allocations: dict[int, list[LineAllocation]], *, by, now: datetime) -> None:
    """Hand over ``plan``'s units (a line with how many) from its reserved batches, earliest expiry first.

    Dispensed movements for what is handed over, released movements for the rest of each
    allocation; every allocation ends released and each line records what it dispensed. Locks
    the batches in id order.
    """
    batches = _lock_batches(a.batch_id for group in allocations.values() for a in group)
    for line, handed in plan:
        to_hand = handed
        for allocation in sorted(allocations[line.pk], key=lambda a: (a.batch.expiry_date, a.batch_id)):
            batch = batches[allocation.batch_id]
            left = allocation.quantity - allocation.quantity_dispensed
            take = min(left, to_hand)
            if take:
                _move(batch, Kind.DISPENSED, by=by, now=now, quantity=-take, reserved=-take, order=order,
                      reason=_("Dispensed for order %(number)s") % {"number": order.number})
                allocation.quantity_dispensed += take
                to_hand -= take
            if left - take:
                _move(batch, Kind.RELEASED, by=by, now=now, reserved=-(left - take), order=order,
                      reason=_("Not filled for order %(number)s") % {"number": order.number})
            allocation.released = True
            allocation.save(update_fields=["quantity_dispensed", "released"])
        line.quantity_dispensed = handed
        line.save(update_fields=["quantity_dispensed"])
