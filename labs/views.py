"""The patient's side of the laboratory: a hospital's public test catalogue, the lab cart, orders and reports.

Views are thin: a scoped queryset (the hospital's tests, the patient's own orders), one
service call, a message, a redirect. Another patient's order or report is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from healthstack.files import private_pdf_response
from healthstack.lookups import get_by_id_or_404
from healthstack.pages import paginate
from healthstack.pdf import PdfError
from hospitals.models import Hospital, Membership
from hospitals.permissions import hospital_role_required
from payments.checkout import go_to_gateway
from payments.models import Payment
from records.models import Prescription

from . import pdf, selectors, services
from .models import LabError, LabOrder, LabOrderLine, LabReport, LabTest

MAX_QUERY = 100
SEARCH_RESULTS = 10


def _back(request, fallback: str):
    """The page the form came from (``next``), if it is ours; else ``fallback``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def catalogue(request, slug):
    """/hospitals/<slug>/lab-tests/: the hospital's offered tests, searchable by code or name, by section."""
    hospital = get_object_or_404(Hospital.objects.approved(), slug=slug)
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    section = request.GET.get("section", "")
    section = section if section in LabTest.Section.values else ""
    tests = selectors.catalogue(hospital, q=query)
    if section:
        tests = tests.filter(section=section)
    return render(request, "labs/catalogue.html", {
        "hospital": hospital, "query": query, "section": section, "sections": LabTest.Section.choices,
        "page_obj": paginate(request, tests),
    })


@login_required
@require_POST
def add_to_cart(request, slug, pk):
    hospital = get_object_or_404(Hospital.objects.approved(), slug=slug)
    lab_test = get_by_id_or_404(LabTest.objects.for_hospital(hospital), pk)
    try:
        services.add_to_cart(patient=request.user, lab_test=lab_test, prescription=request.POST.get("prescription")
                             or None)
    except LabError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(test)s is in your cart for %(hospital)s.")
                         % {"test": lab_test.name, "hospital": hospital.name})
    return _back(request, "me:cart")


def _own_cart(request, pk) -> LabOrder:
    return get_by_id_or_404(LabOrder.objects.for_patient(request.user).carts(), pk)


@login_required
@require_POST
def remove_line(request, pk):
    line = get_by_id_or_404(LabOrderLine.objects.filter(order__patient=request.user).select_related("lab_test"), pk)
    try:
        services.remove_from_cart(line=line, by=request.user)
    except LabError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(test)s was taken out of your cart.") % {"test": line.lab_test.name})
    return redirect("me:cart")


@login_required
@require_POST
def accept_changes(request, pk):
    cart = _own_cart(request, pk)
    try:
        services.accept_cart_changes(order=cart, by=request.user)
    except LabError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your cart now has today's prices; tests no longer offered were removed."))
    return redirect("me:cart")


@login_required
@require_POST
def checkout(request, pk):
    """"Checkout and pay": the order's amount fixed and held (labs.services), then straight to the gateway."""
    cart = _own_cart(request, pk)
    try:
        order = services.checkout(order=cart, by=request.user)
    except LabError as error:
        messages.error(request, error.message)
        return redirect("me:cart")
    if order.status == LabOrder.Status.PAID:
        messages.success(request, _("Your order is placed; there was nothing to pay."))
        return redirect("labs:order", order.pk)
    return go_to_gateway(request, order)


def _own_order(request, pk) -> LabOrder:
    return get_by_id_or_404(LabOrder.objects.for_patient(request.user).placed().with_people().with_lines(), pk)


@login_required
def order_detail(request, pk):
    """/me/lab-orders/<id>/: status and history, tests, amount, preparation, pay, cancel, the reports."""
    order = _own_order(request, pk)
    reports = list(selectors.report_versions(order))
    return render(request, "labs/order_detail.html", {
        "order": order, "lines": list(order.lines.all()), "reports": reports,
        "history": list(order.status_changes.select_related("by").order_by("-at", "-id")),
        "can_cancel": order.can_become(LabOrder.Status.CANCELLED),
        "receipts": Payment.objects.for_payable(order).receipts(),
    })


@login_required
@require_POST
def cancel(request, pk):
    order = _own_order(request, pk)
    was_paid = order.status == LabOrder.Status.PAID
    try:
        services.cancel_order(order=order, by=request.user, reason=request.POST.get("reason", ""))
    except LabError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your lab order is cancelled. The full amount is being refunded to how you paid.")
                         if was_paid else _("Your lab order is cancelled."))
    return redirect("labs:order", order.pk)


def _own_report(request, pk) -> LabReport:
    report = get_by_id_or_404(selectors.patient_reports(request.user, current_only=False), pk)
    try:
        return services.read_lab_report(reader=request.user, report=report)
    except services.LabAccessDenied:
        raise Http404("No such lab report.") from None


@login_required
def report_detail(request, pk):
    report = _own_report(request, pk)
    return render(request, "labs/report_detail.html", {"report": report, "order": report.order})


@login_required
def report_pdf(request, pk):
    report = _own_report(request, pk)
    try:
        content = pdf.report_pdf(report)
    except PdfError as error:
        messages.error(request, _("The PDF could not be made just now: %(error)s") % {"error": error})
        return redirect("labs:report", report.pk)
    return private_pdf_response(content, filename=pdf.report_download_name(report))


@login_required
@require_POST
def order_from_prescription(request, pk):
    prescription = get_by_id_or_404(Prescription.objects.for_patient(request.user).filter(
        status=Prescription.Status.ISSUED), pk)
    try:
        services.order_tests_from_prescription(patient=request.user, prescription=prescription)
    except LabError as error:
        messages.error(request, error.message)
        return redirect("records:prescription", prescription.pk)
    messages.success(request, _("The recommended tests are in your cart. Check them and pay."))
    return redirect("me:cart")


@hospital_role_required(Membership.Role.DOCTOR)
def test_search(request):
    """The prescription editor's search as you type: up to ten of this hospital's offered tests as JSON."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    tests = LabTest.objects.for_hospital(request.hospital).active().search(query).order_by("name", "id")
    return JsonResponse({"results": [
        {"id": test.pk, "code": test.code, "name": test.name, "requires_prescription": test.requires_prescription}
        for test in tests[:SEARCH_RESULTS]
    ]})
