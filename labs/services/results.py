"""Results and reports: entering results, verification into report version 1, amendments into new
versions, and critical values (the alert, its acknowledgement, escalation to the admins).

Every refusal is a ResultError naming the field (an analyte's id for a value) or InvalidTransition.
"""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from healthstack.localtime import local_date
from healthstack.realtime import LIVE_UPDATE, broadcast, user_group
from healthstack.status import locked
from healthstack.verification import issue_document_code, supersede_document_code
from hospitals.models import Membership
from notifications.services import notify

from ..links import DESK_ORDER, DESK_REPORT, PATIENT_REPORT, link
from ..models import Analyte, LabOrder, LabOrderLine, LabReport, LabResult, ResultError
from ..payable import order_url
from ..permissions import may_acknowledge
from ..ranges import age_in_days, choose_range, flag, ranges_assumed
from ._common import Status, _patient_context, _text


def critical_escalation_minutes() -> int:
    return getattr(settings, "LAB_CRITICAL_ESCALATION_MINUTES", 30)


def _order_analytes(order: LabOrder) -> dict[int, tuple[Analyte, LabOrderLine]]:
    """Every analyte of the order's tests, by id, with the line it belongs to (one query)."""
    lines = order.lines.select_related("lab_test").prefetch_related("lab_test__analytes__ranges")
    return {analyte.pk: (analyte, line) for line in lines for analyte in line.lab_test.analytes.all()}


def parse_result(analyte: Analyte, raw) -> tuple[str, Decimal | None]:
    """``raw`` as stored for ``analyte``: (text, number). Raises ResultError (field: the analyte's id)."""
    field = str(analyte.pk)
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise ResultError(_("Enter a result for %(analyte)s.") % {"analyte": analyte.name}, field=field)
    if len(text) > 200:
        raise ResultError(_("Keep this to %(count)d characters.") % {"count": 200}, field=field)
    if analyte.result_kind == Analyte.Kind.CHOICE:
        choices = {choice.lower(): choice for choice in analyte.choice_list}
        if text.lower() not in choices:
            raise ResultError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(analyte.choice_list)},
                              field=field)
        return choices[text.lower()], None
    if analyte.result_kind == Analyte.Kind.TEXT:
        return text, None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ResultError(_("%(analyte)s must be a number.") % {"analyte": analyte.name}, field=field) from None
    if not number.is_finite():
        raise ResultError(_("%(analyte)s must be a number.") % {"analyte": analyte.name}, field=field)
    if number < 0:
        raise ResultError(_("%(analyte)s cannot be negative.") % {"analyte": analyte.name}, field=field)
    if number > analyte.max_value:
        raise ResultError(_("%(value)s is not a plausible %(analyte)s (at most %(max)s).") % {
            "value": text, "analyte": analyte.name, "max": f"{analyte.max_value.normalize():f}"}, field=field)
    if -number.as_tuple().exponent > analyte.decimals:
        raise ResultError(_("Give %(analyte)s with at most %(count)d decimal places.") % {
            "analyte": analyte.name, "count": analyte.decimals}, field=field)
    return f"{number:f}", number


def _parse_values(order: LabOrder, values) -> dict[int, tuple[Analyte, LabOrderLine, str, Decimal | None]]:
    """Check every value against the order's analytes; raise one ResultError naming every bad field.

    Blank values are left out (a form posts every analyte's field; results may be typed in steps).
    """
    if not isinstance(values, dict):
        raise ResultError(_("Enter at least one result."), field="results")
    values = {key: raw for key, raw in values.items() if str(raw if raw is not None else "").strip()}
    if not values:
        raise ResultError(_("Enter at least one result."), field="results")
    analytes = _order_analytes(order)
    parsed, errors = {}, {}
    for key, raw in values.items():
        try:
            pk = int(str(key).strip())
        except ValueError:
            errors[str(key)] = _("This is not an analyte of this order's tests.")
            continue
        if pk not in analytes:
            errors[str(key)] = _("This is not an analyte of this order's tests.")
            continue
        analyte, line = analytes[pk]
        try:
            text, number = parse_result(analyte, raw)
        except ResultError as error:
            errors[error.field] = error.message
            continue
        parsed[pk] = (analyte, line, text, number)
    if errors:
        first = next(iter(errors))
        raise ResultError(errors[first], field=first, errors=errors)
    return parsed


@transaction.atomic
def enter_results(*, order: LabOrder, values: dict, by, now: datetime | None = None) -> list[LabResult]:
    """Save results typed for the order (``{analyte_id: value}``, some or all, blanks left out); return them.

    The first entry moves sample_collected → in_progress. Values are checked first (a number
    for a numeric analyte, not negative, at most the analyte's plausible maximum and its
    decimals; one of the choices; an analyte of this order's tests) and nothing is saved if
    any is wrong: ResultError names each field by analyte id. A reported order's results never
    change (``amend_report``). Locks the order.
    """
    now = now or timezone.now()
    order = locked(order)
    if order.status == Status.REPORTED:
        raise ResultError(_("This order is reported; a reported result never changes. Amend the report instead."),
                          field="results")
    if order.status not in LabOrder.AT_THE_LAB:
        raise ResultError(_("Results can be entered once the sample is collected."), field="results")
    parsed = _parse_values(order, values)
    drafts = {result.analyte_id: result for result in order.results.filter(report__isnull=True)}
    for pk, (analyte, line, text, number) in parsed.items():
        result = drafts.get(pk) or LabResult(hospital_id=order.hospital_id, order=order, line=line, analyte=analyte)
        result.value_text, result.value_numeric, result.unit = text, number, analyte.unit
        result.entered_by, result.entered_at = by, now
        result.save()
    if order.status == Status.SAMPLE_COLLECTED:
        order.transition_to(Status.IN_PROGRESS, by=by)
    return list(order.results.filter(report__isnull=True).select_related("analyte"))


def _patient_facts(order: LabOrder) -> tuple[str, int | None]:
    profile = getattr(order.patient, "patient_profile", None)
    sex = getattr(profile, "sex", "") or ""
    collected_on = local_date(order.collected_at or timezone.now(), order.hospital)
    return sex, age_in_days(getattr(profile, "date_of_birth", None), collected_on)


def _apply_range(result: LabResult, analyte: Analyte, sex: str, age_days: int | None) -> None:
    """Copy the patient's reference range into ``result`` and compute its flag."""
    reference = choose_range(analyte, sex, age_days, ranges=analyte.ranges.all()) if analyte.is_numeric else None
    for name in ("low", "high", "critical_low", "critical_high"):
        setattr(result, f"ref_{name}", getattr(reference, name, None))
    result.ref_interpretation = getattr(reference, "interpretation", "") or ""
    result.flag = flag(result.value_numeric, reference) if analyte.is_numeric else ""


def _new_report(order: LabOrder, *, by, now: datetime, version: int, sex: str, age_days: int | None,
                supersedes: LabReport | None = None, reason: str = "") -> LabReport:
    doctor = order.ordering_membership.user.doctor_profile.display_name if order.ordering_membership_id else ""
    code = issue_document_code(kind="lab_report", hospital_name=order.hospital.name,
                               patient_name=order.patient.full_name, doctor_name=doctor, issued_at=now)
    return LabReport.objects.create(
        hospital_id=order.hospital_id, order=order, version=version, supersedes=supersedes, amendment_reason=reason,
        verified_by=by, verified_at=now, patient_age_days=age_days, patient_sex=sex,
        ranges_assumed=ranges_assumed(sex, age_days), document_code=code,
    )


@transaction.atomic
def verify_and_report(*, order: LabOrder, by, now: datetime | None = None) -> LabReport:
    """in_progress → reported: check every analyte has a result, copy in the patient's reference ranges
    (sex and age on the collection date), compute the flags and issue report version 1 with its
    verification code. Tells the patient; a critical value alerts the ordering doctor at once
    (or the hospital's admins when no doctor ordered it). Raises ResultError naming each analyte
    without a result, InvalidTransition unless in progress. Locks the order."""
    now = now or timezone.now()
    order = locked(order, LabOrder.objects.with_people())
    order.check_can_become(Status.REPORTED)
    analytes = _order_analytes(order)
    drafts = list(order.results.filter(report__isnull=True))
    missing = {str(pk): _("No result for %(analyte)s yet.") % {"analyte": analyte.name}
               for pk, (analyte, _line) in analytes.items() if pk not in {d.analyte_id for d in drafts}}
    if missing:
        first = next(iter(missing))
        raise ResultError(missing[first], field=first, errors=missing)
    sex, age_days = _patient_facts(order)
    report = _new_report(order, by=by, now=now, version=1, sex=sex, age_days=age_days)
    for result in drafts:
        _apply_range(result, analytes[result.analyte_id][0], sex, age_days)
        result.report = report
    LabResult.objects.bulk_update(drafts, ["report", "ref_low", "ref_high", "ref_critical_low", "ref_critical_high",
                                           "ref_interpretation", "flag"])
    order.reported_at = now
    order.has_critical = any(result.is_critical for result in drafts)
    order.transition_to(Status.REPORTED, by=by, fields=["reported_at", "has_critical"])
    _tell_report(order, report, event="lab_report_ready", now=now)
    if order.has_critical:
        _alert_critical(order, report, [r for r in drafts if r.is_critical], now=now)
    return report


def _tell_report(order: LabOrder, report: LabReport, *, event: str, now: datetime) -> None:
    notify(order.patient, event, _patient_context(order, version=report.version, code=report.document_code.code),
           url=link(PATIENT_REPORT, report.pk) or order_url(order), attachments=[("lab_report", report.pk)],
           group=f"lab_order:{order.pk}", now=now)


def _critical_context(order: LabOrder, results) -> dict:
    return {
        "hospital_name": order.hospital.name, "patient_name": order.patient.full_name, "accession": order.accession,
        "results": [{"analyte": r.analyte.name, "value": r.value_text, "unit": r.unit, "flag": r.get_flag_display()}
                    for r in results],
    }


def _hospital_admins(hospital):
    return [m.user for m in Membership.objects.active().filter(hospital=hospital, role=Membership.Role.ADMIN)
            .select_related("user")]


def _alert_critical(order: LabOrder, report: LabReport, results, *, now: datetime) -> None:
    """Send a critical result to the ordering doctor (or, with none, to the hospital's admins at once)."""
    context = _critical_context(order, results)
    url = link(DESK_ORDER, order.hospital.slug, order.pk)
    doctor_url = link(DESK_REPORT, order.hospital.slug, report.pk)
    order.critical_acknowledged_by = order.critical_acknowledged_at = order.critical_escalated_at = None
    order.critical_alerted_at = now
    if order.ordering_membership_id:
        notify(order.ordering_membership.user, "lab_critical_result", context, url=doctor_url,
               group=f"lab_critical:{order.pk}", now=now)
    else:
        for admin in _hospital_admins(order.hospital):
            notify(admin, "lab_critical_escalated", dict(context, ordered_by_doctor=False), url=url,
                   group=f"lab_critical:{order.pk}", now=now)
        order.critical_escalated_at = now
    order.save(update_fields=["critical_acknowledged_by", "critical_acknowledged_at", "critical_escalated_at",
                              "critical_alerted_at", "updated_at"])


@transaction.atomic
def amend_report(*, report: LabReport, values: dict, by, reason: str, now: datetime | None = None) -> LabReport:
    """Correct a reported order: a new report version with ``values`` ({analyte_id: value}) replacing the
    old ones, the rest copied; it supersedes ``report`` (whose verification code now says so). Both
    stay. Ranges are chosen again from the patient's profile as it is now (a corrected birth date
    counts). A new critical value alerts again. Raises ResultError (``reason`` missing, bad values,
    an older version) and locks the order."""
    now = now or timezone.now()
    reason = _text(reason, "reason", max_length=500, error=ResultError)
    order = locked(LabOrder(pk=report.order_id), LabOrder.objects.with_people())
    report = LabReport.objects.select_related("document_code").get(pk=report.pk)
    if order.status != Status.REPORTED or LabReport.objects.filter(supersedes=report).exists():
        raise ResultError(_("Only the current version of a report can be amended."), field="report")
    parsed = _parse_values(order, values)
    analytes = _order_analytes(order)
    sex, age_days = _patient_facts(order)
    old_results = list(report.results.all())
    new_report = _new_report(order, by=by, now=now, version=report.version + 1, sex=sex, age_days=age_days,
                             supersedes=report, reason=reason)
    supersede_document_code(old=report.document_code, new=new_report.document_code)
    new_results, changed = [], []
    for old in old_results:
        analyte = analytes[old.analyte_id][0]
        result = LabResult(hospital_id=order.hospital_id, order=order, line_id=old.line_id, analyte=analyte,
                           report=new_report, value_text=old.value_text, value_numeric=old.value_numeric,
                           unit=old.unit, entered_by=old.entered_by, entered_at=old.entered_at)
        if old.analyte_id in parsed:
            text, number = parsed[old.analyte_id][2:]
            if (text, number) != (old.value_text, old.value_numeric):
                result.value_text, result.value_numeric, result.unit = text, number, analyte.unit
                result.entered_by, result.entered_at = by, now
                changed.append(result)
        _apply_range(result, analyte, sex, age_days)
        new_results.append(result)
    LabResult.objects.bulk_create(new_results)
    criticals = [r for r in new_results if r.is_critical]
    newly_critical = [r for r in changed if r.is_critical]
    order.has_critical = bool(criticals)
    order.save(update_fields=["has_critical", "updated_at"])
    _tell_report(order, new_report, event="lab_report_amended", now=now)
    if newly_critical:
        _alert_critical(order, new_report, newly_critical, now=now)
    elif not criticals:
        order.critical_escalated_at = None
        order.save(update_fields=["critical_escalated_at", "updated_at"])
    return new_report


@transaction.atomic
def acknowledge_critical(*, report: LabReport, by, now: datetime | None = None) -> LabOrder:
    """Record that a doctor has seen the critical result of ``report``'s order (once); return the order.

    Raises ResultError when there is nothing critical to acknowledge, it was acknowledged
    already, or ``by`` is neither the ordering doctor nor a doctor caring for the patient.
    Locks the order; after commit, tells the ordering doctor's open pages (an update frame).
    """
    now = now or timezone.now()
    order = locked(LabOrder(pk=report.order_id), LabOrder.objects.with_people())
    if not order.has_critical:
        raise ResultError(_("This report has no critical result to acknowledge."), field="report")
    if not may_acknowledge(by, order):
        raise ResultError(_("Only the ordering doctor or a doctor caring for this patient can acknowledge it."),
                          field="report")
    if order.critical_acknowledged_at is not None:
        raise ResultError(_("%(name)s already acknowledged this critical result.")
                          % {"name": order.critical_acknowledged_by.full_name if order.critical_acknowledged_by
                             else _("A doctor")}, field="report")
    order.critical_acknowledged_by, order.critical_acknowledged_at = by, now
    order.save(update_fields=["critical_acknowledged_by", "critical_acknowledged_at", "updated_at"])
    if order.ordering_membership_id:
        # The ordering doctor's open dashboards drop it from their critical results, whoever acknowledged it.
        broadcast(user_group(order.ordering_membership.user_id), LIVE_UPDATE,
                  {"event": "lab_critical_acknowledged", "order": order.pk})
    return order


def escalate_unacknowledged_criticals(*, now: datetime | None = None) -> int:
    """Alert the hospital's admins about critical results nobody acknowledged within
    ``LAB_CRITICAL_ESCALATION_MINUTES``; once per alert. Return how many orders were escalated.

    Run every five minutes by ``labs.tasks``; each order is locked and re-checked, so two runs
    at once never alert twice.
    """
    now = now or timezone.now()
    due = LabOrder.objects.filter(
        status=Status.REPORTED, has_critical=True, critical_acknowledged_at__isnull=True,
        critical_escalated_at__isnull=True,
        critical_alerted_at__lte=now - timedelta(minutes=critical_escalation_minutes()),
    )
    ids = list(due.values_list("pk", flat=True)[:200])
    escalated = 0
    for pk in ids:
        with transaction.atomic():
            order = due.filter(pk=pk).select_for_update(skip_locked=True).first()
            if order is None:
                continue
            order = LabOrder.objects.with_people().get(pk=pk)
            report = order.reports.current().first()
            criticals = [r for r in report.results.select_related("analyte") if r.is_critical] if report else []
            context = dict(_critical_context(order, criticals), ordered_by_doctor=bool(order.ordering_membership_id),
                           doctor_name=(order.ordering_membership.user.full_name if order.ordering_membership_id
                                        else ""), minutes=critical_escalation_minutes())
            for admin in _hospital_admins(order.hospital):
                notify(admin, "lab_critical_escalated", context, url=link(DESK_ORDER, order.hospital.slug, order.pk),
                       group=f"lab_critical:{order.pk}", now=now)
            LabOrder.objects.filter(pk=pk).update(critical_escalated_at=now)
            escalated += 1
    return escalated
