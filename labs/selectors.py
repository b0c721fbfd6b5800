"""Reads of the laboratory used by pages, the API and panels: each a fixed number of queries, whatever the rows."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from django.utils.translation import gettext as _

from accounts.orders import OrderRow
from healthstack.localtime import hospital_now, local_date
from records.permissions import EVERYTHING, RecordScope, doctor_memberships, patients_in_care
from records.timeline import PER_KIND_LIMIT, TimelineEntry, in_scope

from .links import PATIENT_ORDER, link
from .models import Analyte, LabOrder, LabOrderLine, LabReport, LabResult, LabTest, PrescriptionLabTest

Status = LabOrder.Status


def catalogue(hospital, *, q: str = "", include_inactive: bool = False):
    """``hospital``'s tests matching ``q`` (code or name), by name, with their analytes and ranges prefetched."""
    tests = LabTest.objects.for_hospital(hospital).search(q)
    if not include_inactive:
        tests = tests.active()
    return tests.prefetch_related(
        Prefetch("analytes", queryset=Analyte.objects.order_by("order", "id").prefetch_related("ranges"))
    ).order_by("name", "id")


def recommended_tests(prescription):
    """The catalogue tests ``prescription`` recommends, with their hospital."""
    return [link.lab_test for link in
            PrescriptionLabTest.objects.filter(prescription=prescription).select_related("lab_test__hospital")]


def lab_desk_counts(hospital, *, now: datetime | None = None) -> dict[str, int]:
    """The lab desk's dashboard in one query: awaiting sample, in progress, reported today (the
    hospital's day), overdue against turnaround, critical results not yet acknowledged."""
    now = now or timezone.now()
    local = hospital_now(hospital, now)
    day_start = datetime.combine(local.date(), time.min, tzinfo=hospital.tz)
    day_end = day_start + timedelta(days=1)
    return LabOrder.objects.for_hospital(hospital).aggregate(
        awaiting_sample=Count("pk", filter=Q(status=Status.PAID)),
        in_progress=Count("pk", filter=Q(status__in=LabOrder.AT_THE_LAB)),
        reported_today=Count("pk", filter=Q(status=Status.REPORTED, reported_at__gte=day_start,
                                            reported_at__lt=day_end)),
        overdue=Count("pk", filter=Q(status__in=LabOrder.AT_THE_LAB, due_at__lt=now)),
        critical_unacknowledged=Count("pk", filter=Q(status=Status.REPORTED, has_critical=True,
                                                     critical_acknowledged_at__isnull=True)),
    )


QUEUE_FILTERS = ("at_lab", "overdue", "reported_today", "critical")


def lab_queue(hospital, *, status: str = "", q: str = "", now: datetime | None = None):
    """``hospital``'s placed orders (no open carts), newest first, filtered by ``status`` (a status, or
    one of the dashboard's counts: "at_lab", "overdue", "reported_today", "critical") and searched by
    patient name, patient number or accession; people and tests joined."""
    now = now or timezone.now()
    orders = LabOrder.objects.for_hospital(hospital).placed()
    if status == "overdue":
        orders = orders.filter(status__in=LabOrder.AT_THE_LAB, due_at__lt=now)
    elif status == "at_lab":
        orders = orders.filter(status__in=LabOrder.AT_THE_LAB)
    elif status == "reported_today":
        day_start = datetime.combine(hospital_now(hospital, now).date(), time.min, tzinfo=hospital.tz)
        orders = orders.filter(status=Status.REPORTED, reported_at__gte=day_start,
                               reported_at__lt=day_start + timedelta(days=1))
    elif status == "critical":
        orders = orders.filter(status=Status.REPORTED, has_critical=True, critical_acknowledged_at__isnull=True)
    elif status in Status.values:
        orders = orders.filter(status=status)
    text = (q or "").strip()
    if text:
        orders = orders.filter(
            Q(patient__full_name__icontains=text) | Q(patient__patient_profile__patient_number__iexact=text)
            | Q(accession__icontains=text)
        )
    return orders.with_people().with_lines().order_by("-created_at", "-id")


def patient_carts(patient):
    """The patient's open carts (one per hospital) with their lines and tests."""
    return LabOrder.objects.for_patient(patient).carts().with_people().with_lines().order_by("hospital__name")


def patient_orders(patient):
    """The patient's placed lab orders, newest first, with hospital, doctor and tests."""
    return LabOrder.objects.for_patient(patient).placed().with_people().with_lines().order_by("-created_at", "-id")


STATUS_TONES = {
    Status.AWAITING_PAYMENT: "warning", Status.PAID: "info", Status.SAMPLE_COLLECTED: "info",
    Status.IN_PROGRESS: "primary", Status.REPORTED: "success", Status.CANCELLED: "secondary",
    Status.EXPIRED: "secondary",
}


def patient_order_rows(user) -> list[OrderRow]:
    """The patient's lab orders as /me/orders/ lists them (accounts.orders.register_order_source). Two queries."""
    return [
        OrderRow(kind="lab", kind_label=_("Lab tests"), reference=order.accession or f"#{order.pk}",
                 hospital_name=order.hospital.name, status=order.status, status_label=order.get_status_display(),
                 placed_at=order.created_at, total=order.amount, currency=order.currency,
                 url=link(PATIENT_ORDER, order.pk), summary=", ".join(line.lab_test.code for line in order.lines.all()),
                 tone=STATUS_TONES.get(order.status, "secondary"))
        for order in patient_orders(user)
    ]


def _reports(queryset):
    return queryset.select_related(
        "order", "order__hospital", "order__patient", "order__patient__patient_profile",
        "order__ordering_membership__user__doctor_profile", "verified_by", "document_code", "supersedes",
        "order__critical_acknowledged_by",
    ).prefetch_related(
        Prefetch("results", queryset=LabResult.objects.select_related("analyte", "line__lab_test")
                 .order_by("line_id", "analyte__order", "analyte_id"))
    )


def patient_reports(patient, *, scope: RecordScope = EVERYTHING, current_only: bool = True):
    """The patient's report versions (current ones unless ``current_only`` is off), newest first, with
    results, ranges and flags; narrowed to ``scope`` (the reader's part of the record)."""
    reports = LabReport.objects.for_patient(patient).in_scope(scope)
    if current_only:
        reports = reports.current()
    return _reports(reports)


def reports_readable_by(doctor_user):
    """Report versions ``doctor_user`` may open across patients: of patients in their care, every
    hospital's with the patient's sharing consent on, otherwise only their own hospitals'."""
    own_hospitals = doctor_memberships(doctor_user).values("hospital_id")
    return _reports(LabReport.objects.filter(order__patient__in=patients_in_care(doctor_user)).filter(
        Q(order__patient__patient_profile__sharing_consent=True) | Q(hospital_id__in=own_hospitals)))


def report_versions(order):
    """Every version of ``order``'s report, newest first (amended ones stay visible)."""
    return _reports(LabReport.objects.filter(order=order))


@dataclass
class TrendPoint:
    when: datetime
    value: Decimal
    flag: str
    hospital_name: str
    low: Decimal | None
    high: Decimal | None
    text: str = ""  # the value as the lab reported it ("8.4", not "8.400000")

    @property
    def low_text(self) -> str:
        return _plain(self.low)

    @property
    def high_text(self) -> str:
        return _plain(self.high)


def _plain(number: Decimal | None) -> str:
    """A stored decimal as a person writes it: 5.60 → "5.6", 10.000 → "10"."""
    return "" if number is None else format(number.normalize(), "f")


@dataclass
class Trend:
    """One numeric analyte of a patient over time: its name and unit, and the points oldest first."""

    name: str
    unit: str
    points: list[TrendPoint] = field(default_factory=list)

    @property
    def band(self) -> tuple[Decimal | None, Decimal | None]:
        """The reference band of the latest point (what the chart shades)."""
        last = self.points[-1]
        return last.low, last.high

    def _plotted(self) -> tuple[Decimal, Decimal, Decimal]:
        """The lowest and highest of the values and the shaded band, and the chart's padding around them."""
        plotted = [point.value for point in self.points] + [limit for limit in self.band if limit is not None]
        lowest, highest = min(plotted), max(plotted)
        return lowest, highest, (highest - lowest) * AXIS_PADDING or Decimal(1)

    @property
    def axis_floor(self) -> Decimal:
        """Where the chart's y axis starts: a little below the lowest value or range limit, but never below
        zero for a measure whose values and limits are all zero or more (no "−5 mmol/L" of glucose)."""
        lowest, _highest, padding = self._plotted()
        return max(lowest - padding, Decimal(0)) if lowest >= 0 else lowest - padding

    @property
    def axis_ceiling(self) -> Decimal:
        """Where the chart's y axis ends: a little above the highest value or range limit."""
        _lowest, highest, padding = self._plotted()
        return highest + padding


# The chart's room above and below what it plots, as a share of the plotted span.
AXIS_PADDING = Decimal("0.15")


def analyte_trends(patient, *, scope: RecordScope = EVERYTHING, minimum_points: int = 2) -> list[Trend]:
    """Numeric analytes measured at least ``minimum_points`` times in the patient's current reports,
    across the hospitals ``scope`` reaches (a doctor's consent-narrowed scope from
    ``records.services.read_patient_record``), grouped by analyte name and unit. One query."""
    results = (
        LabResult.objects.filter(report__isnull=False, report__amendment__isnull=True, order__patient=patient,
                                 value_numeric__isnull=False, analyte__result_kind=Analyte.Kind.NUMERIC)
        .select_related("analyte", "report", "hospital", "order")
        .order_by("order__collected_at", "report__verified_at", "id")
    )
    results = scope.narrow(results)
    trends: dict[tuple[str, str], Trend] = {}
    for result in results:
        key = (result.analyte.name.strip().lower(), result.unit.strip())
        trend = trends.setdefault(key, Trend(name=result.analyte.name, unit=result.unit))
        trend.points.append(TrendPoint(
            when=result.order.collected_at or result.report.verified_at, value=result.value_numeric,
            flag=result.flag, hospital_name=result.hospital.name, low=result.ref_low, high=result.ref_high,
            text=result.value_text,
        ))
    return sorted((t for t in trends.values() if len(t.points) >= minimum_points), key=lambda t: t.name.lower())


def order_lines(order):
    """An order's lines with their tests and analytes (the results form is built from these)."""
    return LabOrderLine.objects.filter(order=order).select_related("lab_test").prefetch_related(
        Prefetch("lab_test__analytes", queryset=Analyte.objects.order_by("order", "id"))
    )


def critical_results_awaiting(doctor_user):
    """Orders with a critical result sent to ``doctor_user`` (as ordering doctor) and not acknowledged yet."""
    return (LabOrder.objects.filter(ordering_membership__user=doctor_user, status=Status.REPORTED, has_critical=True,
                                    critical_acknowledged_at__isnull=True)
            .with_people().order_by("critical_alerted_at", "id"))


# --- What labs adds to other apps' pages ------------------------------------------------------------


def cart_section(*, user) -> dict:
    """/me/cart/'s lab part: each open cart with its lines, the catalogue's changes since, total and preparation.

    Two queries (carts with people, lines with tests), whatever the carts hold."""
    from .services import cart_problems  # a read the checkout shares; services sit beside selectors

    carts = []
    for cart in patient_carts(user) if getattr(user, "is_authenticated", False) else ():
        lines = list(cart.lines.all())
        problems = cart_problems(cart, lines=lines)
        flagged = {problem.line.pk: problem for problem in problems}
        carts.append({
            "order": cart, "lines": [(line, flagged.get(line.pk)) for line in lines], "problems": problems,
            "total": sum((line.price for line in lines), Decimal("0.00")),
            "preparation": [line.lab_test for line in lines if line.lab_test.preparation],
        })
    return {"carts": carts}


def open_cart_count(user) -> int:
    """How many lab carts the user has open (the navbar's count). One query."""
    return LabOrder.objects.for_patient(user).carts().count()


def timeline_reports(patient, *, scope: RecordScope, hospital_id=None, draft_author=None) -> list:
    """The record timeline's "lab report" entries: the current version of each report in the reader's scope.

    Two queries (reports with their people, results with analytes), whatever the record's length."""
    reports = in_scope(LabReport.objects.for_patient(patient).current(), scope, hospital_id)
    reports = _reports(reports.select_related("hospital")).order_by("-verified_at", "-id")[:PER_KIND_LIMIT]
    return [TimelineEntry("lab_report", local_date(report.verified_at, report.hospital), report.hospital, report)
            for report in reports]


def trends_section(*, record, viewer) -> dict:
    """The record pages' "lab trends" section: every numeric analyte measured more than once within the
    record's scope, for a chart and a table. Empty (the section hides) when there is none. One query."""
    trends = analyte_trends(record.patient, scope=record.scope)
    if not trends:
        return {}
    charts = []
    for position, trend in enumerate(trends):
        low, high = trend.band
        charts.append({
            "trend": trend, "element_id": f"lab-trend-{position}", "data_id": f"lab-trend-{position}-data",
            "data": {
                "name": trend.name, "unit": trend.unit,
                "labels": [f"{point.when:%Y-%m-%d}" for point in trend.points],
                "values": [float(point.value) for point in trend.points],
                "low": float(low) if low is not None else None, "high": float(high) if high is not None else None,
                "y_min": float(trend.axis_floor), "y_max": float(trend.axis_ceiling),
            },
        })
    return {"lab_trends": charts}


def reported_hospital_ids(patient):
    """Hospitals where the patient has a lab report (a subquery for the record's hospital filter)."""
    return LabReport.objects.for_patient(patient).values("hospital_id")
