"""The lab desk under /manage/<hospital>/lab/: the catalogue, the orders queue, one order's work, reports.

Every view passes the tenancy guard and finds its object among the hospital's own
(another hospital's is a 404). Reads of clinical data go through labs.services' read
functions, which write the access log; writes call one service and show its message.
"""

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from healthstack.files import private_pdf_response
from healthstack.pages import paginate
from healthstack.pdf import PdfError
from hospitals.models import Membership
from hospitals.permissions import hospital_role_required

from . import panels, selectors, services
from .manage_forms import (
    AmendForm,
    AnalyteForm,
    LabTestForm,
    QueueFilterForm,
    ReferenceRangeForm,
    ResultsForm,
    plain_number,
    put_error,
)
from .models import Analyte, LabError, LabOrder, LabReport, LabTest, ReferenceRange
from .permissions import can_view_report, may_acknowledge
from .pdf import label_download_name, label_pdf, report_context, report_download_name, report_pdf

Role = Membership.Role
LAB = (Role.LAB_WORKER, Role.ADMIN)
READERS = (Role.LAB_WORKER, Role.ADMIN, Role.DOCTOR)
Status = LabOrder.Status


def _role(request) -> str:
    return request.membership.role


# --- The desk's home ---------------------------------------------------------------------------------


@hospital_role_required(*LAB)
def home(request):
    """The lab desk: counts of the day's work, each a link to the queue filtered to it."""
    return render(request, "labs/manage/home.html", {"counts": selectors.lab_desk_counts(request.hospital)})


# --- The catalogue -------------------------------------------------------------------------------------


def _lab_test(request, pk) -> LabTest:
    return get_object_or_404(LabTest.objects.for_hospital(request.hospital), pk=pk)


@hospital_role_required(*LAB)
def tests(request):
    """The hospital's tests: search by code or name, active or withdrawn ones, a page at a time."""
    query = request.GET.get("q", "").strip()[:100]
    shown = request.GET.get("active", "")
    catalogue = LabTest.objects.for_hospital(request.hospital).search(query)
    if shown == "yes":
        catalogue = catalogue.active()
    elif shown == "no":
        catalogue = catalogue.filter(active=False)
    catalogue = catalogue.annotate(analyte_count=Count("analytes")).order_by("name", "id")
    return render(request, "labs/manage/test_list.html", {
        "query": query, "shown": shown, "page_obj": paginate(request, catalogue),
    })


@hospital_role_required(*LAB)
@require_http_methods(["GET", "POST"])
def test_new(request):
    form = LabTestForm(request.POST or None, initial={"active": True, "turnaround_hours": 24})
    if request.method == "POST" and form.is_valid():
        try:
            lab_test = services.create_lab_test(hospital=request.hospital, by=request.user, **form.cleaned_data)
        except LabError as error:
            put_error(form, error)
        else:
            messages.success(request, _("Test %(code)s added. Now add what it measures.") % {"code": lab_test.code})
            return redirect("labdesk:test", request.hospital.slug, lab_test.pk)
    return render(request, "labs/manage/test_form.html", {"form": form}, status=400 if form.errors else 200)


@hospital_role_required(*LAB)
@require_http_methods(["GET", "POST"])
def test_edit(request, pk):
    """A test's fields and its analytes (each analyte's page holds its reference ranges); add an analyte."""
    lab_test = _lab_test(request, pk)
    form = LabTestForm(request.POST or None, instance=LabTest.objects.get(pk=lab_test.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_lab_test(lab_test=lab_test, by=request.user, **form.cleaned_data)
        except LabError as error:
            put_error(form, error)
        else:
            messages.success(request, _("Test saved."))
            return redirect("labdesk:test", request.hospital.slug, lab_test.pk)
    return _render_test(request, lab_test, form=form, analyte_form=AnalyteForm(prefix="analyte"))


def _render_test(request, lab_test, *, form, analyte_form):
    analytes = lab_test.analytes.prefetch_related("ranges").order_by("order", "id")
    status = 400 if form.errors or analyte_form.errors else 200
    return render(request, "labs/manage/test_form.html", {
        "lab_test": lab_test, "form": form, "analytes": analytes, "analyte_form": analyte_form,
    }, status=status)


@hospital_role_required(*LAB)
@require_POST
def analyte_new(request, pk):
    lab_test = _lab_test(request, pk)
    form = AnalyteForm(request.POST, prefix="analyte", instance=Analyte(lab_test=lab_test,
                                                                          hospital=request.hospital))
    if form.is_valid():
        try:
            analyte = services.add_analyte(lab_test=lab_test, **form.cleaned_data)
        except LabError as error:
            put_error(form, error)
        else:
            messages.success(request, _("%(name)s added. Give it its reference ranges.") % {"name": analyte.name})
            return redirect("labdesk:analyte", request.hospital.slug, lab_test.pk, analyte.pk)
    return _render_test(request, lab_test, form=LabTestForm(instance=lab_test), analyte_form=form)


def _analyte(request, pk, analyte_id) -> Analyte:
    return get_object_or_404(Analyte.objects.for_hospital(request.hospital).select_related("lab_test"),
                             pk=analyte_id, lab_test_id=pk)


@hospital_role_required(*LAB)
@require_http_methods(["GET", "POST"])
def analyte_edit(request, pk, analyte_id):
    """One analyte: its fields, its reference ranges (add, change, remove)."""
    analyte = _analyte(request, pk, analyte_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = AnalyteForm(request.POST if action == "analyte" else None, prefix="analyte",
                       instance=Analyte.objects.get(pk=analyte.pk))
    editing = None
    if action == "range" and request.POST.get("range"):
        editing = get_object_or_404(ReferenceRange.objects.for_hospital(request.hospital).filter(analyte=analyte),
                                    pk=request.POST["range"] if request.POST["range"].isdigit() else 0)
    elif request.GET.get("range", "").isdigit():
        editing = ReferenceRange.objects.for_hospital(request.hospital).filter(
            analyte=analyte, pk=request.GET["range"]).first()
    range_form = ReferenceRangeForm(
        request.POST if action == "range" else None, prefix="range",
        instance=editing or ReferenceRange(analyte=analyte, hospital=request.hospital))
    if action == "analyte" and form.is_valid():
        try:
            services.update_analyte(analyte=analyte, **form.cleaned_data)
        except LabError as error:
            put_error(form, error)
        else:
            messages.success(request, _("Analyte saved."))
            return redirect("labdesk:analyte", request.hospital.slug, pk, analyte.pk)
    if action == "range" and range_form.is_valid():
        try:
            if editing:
                services.update_reference_range(reference_range=editing, **range_form.cleaned_data)
            else:
                services.add_reference_range(analyte=analyte, **range_form.cleaned_data)
        except LabError as error:
            put_error(range_form, error)
        else:
            messages.success(request, _("Reference range saved."))
            return redirect("labdesk:analyte", request.hospital.slug, pk, analyte.pk)
    status = 400 if form.errors or range_form.errors else 200
    ranges = list(analyte.ranges.all())
    for reference in ranges:
        reference.shown = {name: plain_number(getattr(reference, name))
                           for name in ("low", "high", "critical_low", "critical_high")}
    return render(request, "labs/manage/analyte_form.html", {
        "analyte": analyte, "lab_test": analyte.lab_test, "form": form, "range_form": range_form,
        "editing": editing, "ranges": ranges,
    }, status=status)


@hospital_role_required(*LAB)
@require_POST
def range_delete(request, pk):
    reference = get_object_or_404(ReferenceRange.objects.for_hospital(request.hospital).select_related(
        "analyte"), pk=pk)
    services.delete_reference_range(reference_range=reference)
    messages.success(request, _("Reference range removed. Reports already made keep the range they printed."))
    return redirect("labdesk:analyte", request.hospital.slug, reference.analyte.lab_test_id, reference.analyte_id)


@hospital_role_required(*LAB)
@require_POST
def test_toggle(request, pk):
    """Withdraw a test from the catalogue (patients can no longer order it), or offer it again."""
    lab_test = _lab_test(request, pk)
    services.update_lab_test(lab_test=lab_test, by=request.user, active=not lab_test.active)
    if lab_test.active:
        messages.success(request, _("%(code)s is withdrawn: patients can no longer order it.") % {"code": lab_test.code})
    else:
        messages.success(request, _("%(code)s is offered again.") % {"code": lab_test.code})
    if request.POST.get("next") == "test":
        return redirect("labdesk:test", request.hospital.slug, lab_test.pk)
    return redirect("labdesk:tests", request.hospital.slug)


# --- Orders ------------------------------------------------------------------------------------------------


@hospital_role_required(*LAB)
def orders(request):
    """The queue: the hospital's placed orders, filtered by status and searched, newest first."""
    filters = QueueFilterForm(request.GET or None)
    queue = selectors.lab_queue(request.hospital, status=filters.value("status"), q=filters.value("q"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "labs/manage/order_list.html", {
        "filters": filters, "page_obj": paginate(request, queue), "filter_query": query.urlencode(),
    })


def _order(request, pk) -> LabOrder:
    return get_object_or_404(LabOrder.objects.for_hospital(request.hospital).placed().with_people(), pk=pk)


def _order_page(request, order, *, results_form=None, status=200):
    """The order page: patient facts, tests, prescription, results, report versions, history (logged reads)."""
    services.read_lab_order(reader=request.user, order=order, hospital=request.hospital, role=_role(request))
    prescription = services.read_order_prescription(reader=request.user, order=order, hospital=request.hospital,
                                                     role=_role(request))
    lines = list(selectors.order_lines(order))
    if results_form is None and order.status in LabOrder.AT_THE_LAB:
        drafts = {r.analyte_id: r.value_text for r in order.results.filter(report__isnull=True)}
        results_form = ResultsForm(lines=lines, initial_values=drafts)
    reports = list(selectors.report_versions(order))
    profile = getattr(order.patient, "patient_profile", None)
    return render(request, "labs/manage/order_detail.html", {
        "order": order, "profile": profile, "lines": lines, "prescription": prescription,
        "results_form": results_form, "reports": reports, "current": reports[0] if reports else None,
        "history": order.status_changes.select_related("by").order_by("at", "id"),
        "missing": results_form is not None and order.status == Status.IN_PROGRESS and any(
            not field.value() for group in results_form.grouped() for field in group["fields"]),
    }, status=status)


@hospital_role_required(*LAB)
def order_detail(request, pk):
    return _order_page(request, _order(request, pk))


def _back_to_order(request, order):
    return redirect("labdesk:order", request.hospital.slug, order.pk)


@hospital_role_required(*LAB)
@require_POST
def collect(request, pk):
    order = _order(request, pk)
    try:
        order = services.collect_sample(order=order, by=request.user)
    except LabError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Sample collected: accession %(accession)s. Print its label.")
                         % {"accession": order.accession})
    return _back_to_order(request, order)


@hospital_role_required(*LAB)
def label(request, pk):
    order = _order(request, pk)
    if not order.accession:
        messages.error(request, _("Collect the sample first: the label carries its accession number."))
        return _back_to_order(request, order)
    services.read_lab_order(reader=request.user, order=order, hospital=request.hospital, role=_role(request))
    try:
        return private_pdf_response(label_pdf(order), filename=label_download_name(order))
    except PdfError as error:
        messages.error(request, str(error))
        return _back_to_order(request, order)


@hospital_role_required(*LAB)
@require_POST
def results(request, pk):
    """Save the results typed so far; a wrong value comes back beside its field, nothing saved."""
    order = _order(request, pk)
    lines = list(selectors.order_lines(order))
    form = ResultsForm(request.POST, lines=lines)
    if order.status not in LabOrder.AT_THE_LAB:
        messages.error(request, _("This order is reported; a reported result never changes. Amend the report instead.")
                       if order.status == Status.REPORTED else _("Results can be entered once the sample is collected."))
        return _back_to_order(request, order)
    if form.is_valid():
        try:
            services.enter_results(order=order, values=form.values(), by=request.user)
        except LabError as error:
            put_error(form, error)
        else:
            messages.success(request, _("Results saved."))
            return _back_to_order(request, order)
    return _order_page(request, order, results_form=form, status=400)


@hospital_role_required(*LAB)
@require_POST
def verify(request, pk):
    order = _order(request, pk)
    try:
        services.verify_and_report(order=order, by=request.user)
    except LabError as error:
        messages.error(request, " ".join(str(m) for ms in error.message_dict.values() for m in ms))
    else:
        messages.success(request, _("Report verified. The patient has been notified."))
    return _back_to_order(request, order)


@hospital_role_required(*LAB)
@require_http_methods(["GET", "POST"])
def amend(request, pk):
    """Correct a reported order: a new report version with a reason; the old one stays visible."""
    order = _order(request, pk)
    current = LabReport.objects.for_hospital(request.hospital).filter(order=order).current().first()
    if order.status != Status.REPORTED or current is None:
        messages.error(request, _("Only a reported order can be amended."))
        return _back_to_order(request, order)
    services.read_lab_report(reader=request.user, report=current, hospital=request.hospital, role=_role(request))
    lines = list(selectors.order_lines(order))
    values = {r.analyte_id: r.value_text for r in current.results.all()}
    form = AmendForm(request.POST or None, lines=lines, initial_values=values, required=False)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.amend_report(report=current, values=form.values(), by=request.user,
                                           reason=form.cleaned_data["reason"])
        except LabError as error:
            put_error(form, error)
        else:
            messages.success(request, _("Version %(version)d of the report is issued; the patient has been told.")
                             % {"version": report.version})
            return _back_to_order(request, order)
    return render(request, "labs/manage/amend.html", {"order": order, "report": current, "form": form},
                  status=400 if form.errors else 200)


@hospital_role_required(*LAB)
def order_report_pdf(request, pk):
    """The current report of an order as a PDF (access-logged)."""
    order = _order(request, pk)
    current = LabReport.objects.for_hospital(request.hospital).filter(order=order).current().first()
    if current is None:
        raise Http404("No report yet.")
    return _report_pdf_response(request, current)


def _report_pdf_response(request, report):
    services.read_lab_report(reader=request.user, report=report, hospital=request.hospital, role=_role(request))
    try:
        return private_pdf_response(report_pdf(report), filename=report_download_name(report))
    except PdfError as error:
        messages.error(request, str(error))
        return redirect("labdesk:report", request.hospital.slug, report.pk)


# --- One report version (lab staff and doctors) ---------------------------------------------------------------


def _report(request, pk) -> LabReport:
    """A report version of this hospital the member may read (doctors under the records rules), logged."""
    report = get_object_or_404(LabReport.objects.for_hospital(request.hospital).select_related(
        "order__patient", "order__hospital"), pk=pk)
    try:
        return services.read_lab_report(reader=request.user, report=report, hospital=request.hospital,
                                        role=_role(request))
    except services.LabAccessDenied:
        raise Http404("No such lab report.") from None


@hospital_role_required(*READERS)
def report_detail(request, pk):
    report = _report(request, pk)
    full = selectors.report_versions(report.order).get(pk=report.pk)
    context = report_context(full)
    order = full.order
    return render(request, "labs/manage/report_detail.html", {
        **context, "versions": LabReport.objects.filter(order=order).order_by("-version").only("pk", "version", "verified_at"),
        "can_acknowledge": order.critical_pending and may_acknowledge(request.user, order),
        "is_lab": bool(request.roles & set(LAB)),
    })


@hospital_role_required(*READERS)
def report_download(request, pk):
    report = get_object_or_404(LabReport.objects.for_hospital(request.hospital).select_related(
        "order__patient", "order__hospital"), pk=pk)
    try:
        return _report_pdf_response(request, report)
    except services.LabAccessDenied:
        raise Http404("No such lab report.") from None


@hospital_role_required(*READERS)
@require_POST
def acknowledge(request, pk):
    """The doctor has seen the critical result: it leaves their dashboard; the report and desk show who and when."""
    report = get_object_or_404(LabReport.objects.for_hospital(request.hospital).select_related("order"), pk=pk)
    if not can_view_report(request.user, report, hospital=request.hospital, role=_role(request)):
        raise Http404("No such lab report.")
    try:
        services.acknowledge_critical(report=report, by=request.user)
    except LabError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Critical result acknowledged."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("labdesk:report", request.hospital.slug, report.pk)


@hospital_role_required(Role.DOCTOR)
@require_http_methods(["GET"])
def critical_results(request):
    """The list of the doctor's dashboard panel, alone: the dashboard fetches it again when a critical result
    arrives or is acknowledged (static/js/critical_results.js)."""
    context = panels.critical_results(hospital=request.hospital, user=request.user,
                                      memberships=request.role_memberships)
    return render(request, "labs/manage/partials/critical_list.html", {
        **context, "back_url": reverse("manage:dashboard", args=[request.hospital.slug])})
