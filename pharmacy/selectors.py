"""Reads of the pharmacy used by its pages, the API, the desk dashboard and the doctor's timeline.

Each list is one query (plus one per prefetched relation), whatever the number of rows:
availability and stock figures are computed by the database, never per row in Python.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import models
from django.db.models import Case, Count, DecimalField, ExpressionWrapper, F, IntegerField, Min, Prefetch, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from healthstack.localtime import local_date, local_stamp

from .models import LineAllocation, Medicine, MedicineOrder, MedicineOrderLine, StockBatch, StockMovement

ZERO = Decimal("0.00")
EXPIRY_WINDOWS = (30, 60, 90)
QUEUE_STATUSES = (MedicineOrder.Status.PAID, MedicineOrder.Status.PREPARING, MedicineOrder.Status.READY,
                  MedicineOrder.Status.OUT_FOR_DELIVERY)


class Availability(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    FEW_LEFT = "few_left", _("Few left")
    OUT_OF_STOCK = "out_of_stock", _("Out of stock")


def _today(hospital, now: datetime | None) -> date:
    return local_date(now or timezone.now(), hospital)


def _units(expression, condition: Q) -> Coalesce:
    return Coalesce(Sum(expression, filter=condition), 0, output_field=IntegerField())


def _with_stock(medicines, today: date):
    """Annotate medicines with units on hand, reserved and free in unexpired batches, and an availability word."""
    good = Q(batches__expiry_date__gte=today)
    return medicines.annotate(
        units_on_hand=_units("batches__quantity_on_hand", good),
        units_reserved=_units("batches__quantity_reserved", good),
        units_expired=_units("batches__quantity_on_hand", ~good),
        next_expiry=Min("batches__expiry_date", filter=good & Q(batches__quantity_on_hand__gt=0)),
    ).annotate(
        units_available=F("units_on_hand") - F("units_reserved"),
    ).annotate(
        availability=Case(
            When(units_available__lte=0, then=Value(Availability.OUT_OF_STOCK)),
            When(units_available__lte=F("reorder_level"), then=Value(Availability.FEW_LEFT)),
            default=Value(Availability.IN_STOCK),
            output_field=models.CharField(),
        ),
    )


def available_by_medicine(medicine_ids, *, hospital, now: datetime | None = None) -> dict[int, int]:
    """Units free to sell (on hand minus reserved, unexpired batches) per medicine id. One query."""
    rows = (StockBatch.objects.filter(hospital=hospital, medicine_id__in=list(medicine_ids))
            .unexpired(_today(hospital, now)).values("medicine_id")
            .annotate(free=Sum(F("quantity_on_hand") - F("quantity_reserved"))))
    return {row["medicine_id"]: row["free"] or 0 for row in rows}


def shop_medicines(hospital, *, q: str = "", now: datetime | None = None):
    """The patient's shop: active medicines matching ``q`` (generic or brand name), with ``availability``,
    ``units_available`` and the price. One query."""
    return _with_stock(Medicine.objects.for_hospital(hospital).active().search(q), _today(hospital, now)).order_by(
        "generic_name", "brand_name", "strength", "pk")


STOCK_FILTERS = ("low", "out", "expiring", "expired", "inactive")


def stock_list(hospital, *, q: str = "", dosage_form: str = "", stock: str = "", active: bool | None = None,
               now: datetime | None = None, expiring_days: int = 90):
    """The desk's medicines with their stock figures (see ``_with_stock``); one query.

    ``stock`` narrows to ``low`` (free units at or under the reorder level), ``out`` (none free),
    ``expiring`` (a batch with units expiring within ``expiring_days``), ``expired`` (expired
    units still on hand) or ``inactive``; ``active`` True/False narrows by the active flag.
    """
    today = _today(hospital, now)
    medicines = Medicine.objects.for_hospital(hospital).search(q)
    if dosage_form:
        medicines = medicines.filter(dosage_form=dosage_form)
    if active is not None:
        medicines = medicines.filter(active=active)
    medicines = _with_stock(medicines, today)
    if stock == "low":
        medicines = medicines.filter(active=True, units_available__lte=F("reorder_level"))
    elif stock == "out":
        medicines = medicines.filter(units_available__lte=0)
    elif stock == "expiring":
        medicines = medicines.filter(next_expiry__lte=today + timedelta(days=expiring_days))
    elif stock == "expired":
        medicines = medicines.filter(units_expired__gt=0)
    elif stock == "inactive":
        medicines = medicines.filter(active=False)
    return medicines.order_by("generic_name", "brand_name", "strength", "pk")


def medicine_batches(medicine):
    """A medicine's batches, earliest expiry first (the order they are sold in)."""
    return StockBatch.objects.for_medicine(medicine).select_related("received_by").order_by("expiry_date", "pk")


def batch_ledger(batch):
    """A batch's movements, oldest first, with who made them and for which order."""
    return StockMovement.objects.filter(batch=batch).select_related("by", "order").order_by("at", "pk")


@dataclass(frozen=True)
class DeskDashboard:
    to_prepare: int
    ready: int
    out_for_delivery: int
    low_stock: list
    expiring: dict  # days -> number of batches with units on hand expiring within them
    expired_batches: int
    expired_value: Decimal


def desk_dashboard(hospital, *, now: datetime | None = None, low_stock_shown: int = 10) -> DeskDashboard:
    """The pharmacist's overview: orders to prepare and ready, low stock, batches expiring within 30/60/90
    days (the hospital's dates) and the cost value of expired units on hand. Four queries."""
    today = _today(hospital, now)
    counts = MedicineOrder.objects.for_hospital(hospital).aggregate(
        to_prepare=Count("pk", filter=Q(status__in=(MedicineOrder.Status.PAID, MedicineOrder.Status.PREPARING))),
        ready=Count("pk", filter=Q(status=MedicineOrder.Status.READY)),
        out_for_delivery=Count("pk", filter=Q(status=MedicineOrder.Status.OUT_FOR_DELIVERY)),
    )
    low = list(stock_list(hospital, stock="low", now=now).order_by("units_available", "generic_name")[:low_stock_shown])
    in_stock = StockBatch.objects.for_hospital(hospital).filter(quantity_on_hand__gt=0)
    windows = in_stock.aggregate(**{
        f"within_{days}": Count("pk", filter=Q(expiry_date__gte=today, expiry_date__lte=today + timedelta(days=days)))
        for days in EXPIRY_WINDOWS
    }, expired_batches=Count("pk", filter=Q(expiry_date__lt=today)), expired_value=Coalesce(Sum(
        ExpressionWrapper(F("quantity_on_hand") * F("cost"), output_field=DecimalField(max_digits=20, decimal_places=2)),
        filter=Q(expiry_date__lt=today)), ZERO, output_field=DecimalField(max_digits=20, decimal_places=2)))
    return DeskDashboard(
        to_prepare=counts["to_prepare"], ready=counts["ready"], out_for_delivery=counts["out_for_delivery"],
        low_stock=low, expiring={days: windows[f"within_{days}"] for days in EXPIRY_WINDOWS},
        expired_batches=windows["expired_batches"], expired_value=Decimal(windows["expired_value"]).quantize(
            Decimal("0.01")),
    )


def expiring_batches(hospital, *, days: int, now: datetime | None = None):
    """Batches with units on hand expiring from today to ``days`` ahead (hospital dates), soonest first."""
    today = _today(hospital, now)
    return (StockBatch.objects.for_hospital(hospital).filter(quantity_on_hand__gt=0, expiry_date__gte=today,
                                                             expiry_date__lte=today + timedelta(days=days))
            .select_related("medicine").order_by("expiry_date", "pk"))


def expired_batches(hospital, *, now: datetime | None = None):
    """Expired batches that still hold units (to write off), oldest first."""
    return (StockBatch.objects.for_hospital(hospital).expired(_today(hospital, now)).filter(quantity_on_hand__gt=0)
            .select_related("medicine").order_by("expiry_date", "pk"))


def _with_lines(orders):
    return orders.select_related("hospital", "patient", "prescription").prefetch_related(
        Prefetch("lines", queryset=MedicineOrderLine.objects.select_related("medicine").order_by("pk")),
    ).annotate(line_count=Count("lines", distinct=True))


def orders_queue(hospital, *, status: str | None = None):
    """The hospital's placed orders for the desk: one status, or everything still to hand over (paid to
    out for delivery), oldest first; lines and medicines prefetched (three queries)."""
    orders = MedicineOrder.objects.for_hospital(hospital)
    if status:
        orders = orders.filter(status=status)
    else:
        orders = orders.filter(status__in=QUEUE_STATUSES)
    return _with_lines(orders).order_by("paid_at", "checked_out_at", "pk")


def patient_orders(patient, *, hospital=None):
    """The patient's checked-out orders (not carts), newest first, lines prefetched."""
    orders = MedicineOrder.objects.for_patient(patient).placed()
    if hospital is not None:
        orders = orders.for_hospital(hospital)
    return _with_lines(orders).order_by("-checked_out_at", "-pk")


def patient_carts(patient):
    """The patient's open carts, one per hospital, lines prefetched."""
    return _with_lines(MedicineOrder.objects.for_patient(patient).carts()).order_by("hospital__name")


def pick_list(order):
    """The order's lines with the batches reserved for each, earliest expiry first: what to take off the shelf."""
    return order.lines.select_related("medicine", "prescription_item").prefetch_related(
        Prefetch("allocations", queryset=LineAllocation.objects.select_related("batch").order_by(
            "batch__expiry_date", "batch_id"))
    ).order_by("pk")


def dispensed_medicines(patient, *, scope=None):
    """Medicines dispensed to ``patient`` (ready, collected, out for delivery, delivered), newest first.

    For the doctor's timeline: ``scope`` (a records RecordScope) narrows to orders of the
    hospitals it reaches, as the record's own items are narrowed. One query.
    """
    lines = (MedicineOrderLine.objects.filter(order__patient=patient, order__status__in=MedicineOrder.DISPENSED,
                                              quantity_dispensed__gt=0)
             .select_related("medicine", "order", "order__hospital", "prescription_item"))
    if scope is not None:
        lines = scope.narrow(lines, field="order__hospital_id")
    return lines.order_by("-order__ready_at", "-pk")


STOCK_CSV_HEADER = ("Generic name", "Brand name", "Strength", "Dosage form", "Unit", "Batch", "Expiry date",
                    "Received", "Supplier", "Received quantity", "On hand", "Reserved", "Free", "Unit cost",
                    "Value on hand", "Expired", "Active")


def stock_csv_rows(hospital, *, now: datetime | None = None) -> Iterator[tuple]:
    """The stock export: a header, then one row per batch (dates in the hospital's zone). One query, streamed."""
    today = _today(hospital, now)
    yield STOCK_CSV_HEADER
    batches = (StockBatch.objects.for_hospital(hospital).select_related("medicine")
               .order_by("medicine__generic_name", "medicine__brand_name", "medicine__pk", "expiry_date", "pk"))
    for batch in batches.iterator(chunk_size=500):
        medicine = batch.medicine
        yield (
            medicine.generic_name, medicine.brand_name, medicine.strength, medicine.get_dosage_form_display(),
            medicine.unit, batch.batch_number, batch.expiry_date.isoformat(),
            local_stamp(batch.received_at, hospital), batch.supplier, batch.quantity_received,
            batch.quantity_on_hand, batch.quantity_reserved, batch.quantity_available, batch.cost,
            batch.cost * batch.quantity_on_hand, "yes" if batch.expiry_date < today else "no",
            "yes" if medicine.active else "no",
        )


def ledger_imbalances(batches=None) -> list[tuple[int, int, int, int, int]]:
    """Batches whose counts differ from their ledger: (batch id, on hand, ledger on hand, reserved, ledger reserved)."""
    batches = StockBatch.objects.all() if batches is None else batches
    rows = batches.annotate(
        ledger_on_hand=Coalesce(Sum("movements__quantity"), 0),
        ledger_reserved=Coalesce(Sum("movements__reserved_change"), 0),
    ).filter(~Q(ledger_on_hand=F("quantity_on_hand")) | ~Q(ledger_reserved=F("quantity_reserved")))
    return [(b.pk, b.quantity_on_hand, b.ledger_on_hand, b.quantity_reserved, b.ledger_reserved) for b in rows]


def assert_ledger_balanced(batches=None) -> None:
    """Raise AssertionError naming every batch whose on-hand or reserved count is not its ledger's sum,
    or whose allocations do not add up to what it holds reserved."""
    wrong = ledger_imbalances(batches)
    assert not wrong, f"stock ledger out of balance (batch, on hand, ledger, reserved, ledger): {wrong}"
    batches = StockBatch.objects.all() if batches is None else batches
    held = batches.annotate(allocated=Coalesce(Sum(
        F("allocations__quantity") - F("allocations__quantity_dispensed"), filter=Q(allocations__released=False)), 0,
    )).exclude(allocated=F("quantity_reserved"))
    assert not held.exists(), (
        "reservations out of balance (batch, reserved, allocated): "
        f"{[(b.pk, b.quantity_reserved, b.allocated) for b in held]}"
    )


STATUS_TONES = {
    MedicineOrder.Status.AWAITING_PAYMENT: "warning", MedicineOrder.Status.PAID: "info",
    MedicineOrder.Status.PREPARING: "info", MedicineOrder.Status.READY: "success",
    MedicineOrder.Status.OUT_FOR_DELIVERY: "primary", MedicineOrder.Status.COLLECTED: "secondary",
    MedicineOrder.Status.DELIVERED: "secondary", MedicineOrder.Status.CANCELLED: "dark",
    MedicineOrder.Status.EXPIRED: "dark",
}


def patient_order_rows(user) -> list:
    """The patient's medicine orders as rows of /me/orders/ (accounts.orders); three queries."""
    from accounts.orders import OrderRow

    rows = []
    for order in patient_orders(user):
        lines = list(order.lines.all())
        summary = ", ".join(f"{line.medicine.brand_name or line.medicine.generic_name} × {line.quantity}"
                            for line in lines[:3]) + ("…" if len(lines) > 3 else "")
        rows.append(OrderRow(
            kind="medicine", kind_label=_("Medicines"), reference=order.number, hospital_name=order.hospital.name,
            status=order.status, status_label=order.get_status_display(), placed_at=order.checked_out_at or order.created_at,
            total=order.amount, currency=order.currency, url=order.payment_return_url(), summary=summary,
            tone=STATUS_TONES.get(order.status, "secondary"),
        ))
    return rows


def timeline_dispensed(patient, *, scope, hospital_id=None, draft_author=None) -> list:
    """The record timeline's "medicines dispensed" entries: one per order handed over, in the reader's scope.

    Two queries (orders, and their dispensed lines with medicines), whatever the record's length.
    """
    from records.timeline import PER_KIND_LIMIT, TimelineEntry, in_scope

    orders = in_scope(MedicineOrder.objects.for_patient(patient).filter(status__in=MedicineOrder.DISPENSED), scope,
                      hospital_id).select_related("hospital").prefetch_related(
        Prefetch("lines", to_attr="dispensed_lines", queryset=MedicineOrderLine.objects.filter(
            quantity_dispensed__gt=0).select_related("medicine").order_by("pk")),
    ).order_by("-ready_at", "-pk")[:PER_KIND_LIMIT]
    return [TimelineEntry("dispensed_medicine", local_date(order.ready_at or order.updated_at, order.hospital),
                          order.hospital, order) for order in orders]
