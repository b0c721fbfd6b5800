"""The pharmacist's desk under /manage/<hospital>/pharmacy/: stock, medicines and orders.

Every view passes the tenancy guard; objects are looked up within ``request.hospital`` (another
hospital's id is a 404). Views read through pharmacy.selectors and write through pharmacy.services,
whose PharmacyError names the field at fault: the page shows it beside that field.
"""

from django.contrib import messages
from django.db.models import DecimalField, ExpressionWrapper, F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from healthstack.csvexport import csv_response
from healthstack.localtime import local_date
from healthstack.pages import paginate
from hospitals.permissions import Role, hospital_role_required

from . import selectors, services
from .manage_forms import (
    AdjustStockForm,
    BatchFilterForm,
    DeliverySettingsForm,
    MedicineFilterForm,
    MedicineForm,
    OrderFilterForm,
    ReasonForm,
    TO_PREPARE,
    ReceiveStockForm,
)
from .models import MedicineOrder, MedicineOrderLine, Medicine, StockBatch, StockMovement

DESK_ROLES = (Role.PHARMACIST, Role.ADMIN)
Status = MedicineOrder.Status


def _medicine(request, pk) -> Medicine:
    return get_object_or_404(Medicine.objects.for_hospital(request.hospital), pk=pk)


def _batch(request, pk) -> StockBatch:
    return get_object_or_404(StockBatch.objects.for_hospital(request.hospital).select_related("medicine"), pk=pk)


def _order(request, pk) -> MedicineOrder:
    return get_object_or_404(MedicineOrder.objects.for_hospital(request.hospital).placed().with_people(), pk=pk)


def _error_to_form(form, error: services.PharmacyError) -> None:
    """Put the service's message beside its field (or above the form when the field is not on it)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


# The desk --------------------------------------------------------------------------------------

@hospital_role_required(*DESK_ROLES)
@require_GET
def desk(request):
    return render(request, "pharmacy/manage/desk.html", {
        "dashboard": selectors.desk_dashboard(request.hospital),
        "expiry_windows": selectors.EXPIRY_WINDOWS,
    })


@hospital_role_required(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def delivery_settings(request):
    """Whether the pharmacy delivers medicines home, and for what fee (orders already placed keep theirs)."""
    current = services.pharmacy_settings(request.hospital)
    form = DeliverySettingsForm(request.POST or None, initial={
        "delivery_offered": current.delivery_offered, "delivery_fee": current.delivery_fee})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_pharmacy_settings(hospital=request.hospital, by=request.user, **form.cleaned_data)
        except services.PharmacyError as error:
            _error_to_form(form, error)
        else:
            messages.success(request, _("Delivery settings saved."))
            return redirect("pharmacy_desk:desk", request.hospital.slug)
    return render(request, "pharmacy/manage/delivery_settings.html", {"form": form})


# Medicines -------------------------------------------------------------------------------------

def _stock_selection(request):
    filters = MedicineFilterForm(request.GET or None)
    selection = filters.selection()
    prescription_only = selection.pop("prescription_only")
    medicines = selectors.stock_list(request.hospital, **selection)
    if prescription_only is not None:
        medicines = medicines.filter(prescription_only=prescription_only)
    return filters, medicines


@hospital_role_required(*DESK_ROLES)
@require_GET
def medicine_list(request):
    filters, medicines = _stock_selection(request)
    return render(request, "pharmacy/manage/medicine_list.html", {
        "filters": filters, "page_obj": paginate(request, medicines),
    })


@hospital_role_required(*DESK_ROLES)
@require_GET
def stock_export(request):
    """Every batch of the hospital's stock as CSV; the file is named after the hospital's date."""
    today = local_date(timezone.now(), request.hospital)
    return csv_response(selectors.stock_csv_rows(request.hospital),
                        filename=f"stock-{request.hospital.slug}-{today:%Y-%m-%d}.csv")


@hospital_role_required(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def medicine_form(request, pk=None):
    medicine = _medicine(request, pk) if pk else None
    form = MedicineForm(request.POST or None, initial=MedicineForm.initial_for(medicine) if medicine else None)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in MedicineForm.FIELDS}
        try:
            if medicine:
                medicine = services.update_medicine(medicine=medicine, by=request.user, **values)
            else:
                medicine = services.create_medicine(hospital=request.hospital, by=request.user, **values)
        except services.PharmacyError as error:
            _error_to_form(form, error)
        else:
            messages.success(request, _("%(medicine)s saved.") % {"medicine": medicine.display_name})
            return redirect("pharmacy_desk:medicine", request.hospital.slug, medicine.pk)
    return render(request, "pharmacy/manage/medicine_form.html", {"form": form, "medicine": medicine})


@hospital_role_required(*DESK_ROLES)
@require_POST
def medicine_active(request, pk):
    medicine = _medicine(request, pk)
    if medicine.active:
        services.deactivate_medicine(medicine=medicine, by=request.user)
        messages.success(request, _("%(medicine)s is no longer sold in the shop; carts holding it say so.")
                         % {"medicine": medicine.display_name})
    else:
        services.activate_medicine(medicine=medicine, by=request.user)
        messages.success(request, _("%(medicine)s is sold in the shop again.") % {"medicine": medicine.display_name})
    return redirect("pharmacy_desk:medicine", request.hospital.slug, medicine.pk)


@hospital_role_required(*DESK_ROLES)
@require_GET
def medicine_detail(request, pk):
    medicine = get_object_or_404(selectors.stock_list(request.hospital), pk=pk)
    batches = list(selectors.medicine_batches(medicine))
    ledger = (StockMovement.objects.filter(batch__medicine=medicine).select_related("by", "order", "batch")
              .order_by("-at", "-pk"))
    return render(request, "pharmacy/manage/medicine_detail.html", {
        "medicine": medicine, "batches": batches, "page_obj": paginate(request, ledger),
        "today": local_date(timezone.now(), request.hospital),
        "receive_form": ReceiveStockForm(),
    })


@hospital_role_required(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def receive_stock(request, pk):
    medicine = _medicine(request, pk)
    form = ReceiveStockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.receive_stock(medicine=medicine, by=request.user, **form.cleaned_data)
        except services.PharmacyError as error:
            _error_to_form(form, error)
        else:
            messages.success(request, _("Batch %(batch)s received: %(count)d units.")
                             % {"batch": batch.batch_number, "count": batch.quantity_received})
            return redirect("pharmacy_desk:medicine", request.hospital.slug, medicine.pk)
    return render(request, "pharmacy/manage/receive_form.html", {"form": form, "medicine": medicine})


# Batches ---------------------------------------------------------------------------------------

@hospital_role_required(*DESK_ROLES)
@require_GET
def batch_list(request):
    """Batches expiring within 30/60/90 days (``?within=``), or expired ones still on hand to write off."""
    filters = BatchFilterForm(request.GET or None)
    within = filters.cleaned_data.get("within") if filters.is_valid() else None
    if within:
        batches = selectors.expiring_batches(request.hospital, days=within)
    else:
        batches = selectors.expired_batches(request.hospital)
    batches = batches.annotate(value_on_hand=ExpressionWrapper(
        F("quantity_on_hand") * F("cost"), output_field=DecimalField(max_digits=20, decimal_places=2)))
    return render(request, "pharmacy/manage/batch_list.html", {
        "filters": filters, "within": within, "page_obj": paginate(request, batches),
    })


@hospital_role_required(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def adjust_stock(request, pk):
    batch = _batch(request, pk)
    form = AdjustStockForm(request.POST or None, initial={"counted": batch.quantity_on_hand})
    if request.method == "POST" and form.is_valid():
        before = batch.quantity_on_hand
        try:
            batch = services.adjust_stock(batch=batch, by=request.user, **form.cleaned_data)
        except services.PharmacyError as error:
            _error_to_form(form, error)
        else:
            messages.success(request, _("Batch %(batch)s adjusted from %(before)d to %(after)d units.")
                             % {"batch": batch.batch_number, "before": before, "after": batch.quantity_on_hand})
            return redirect("pharmacy_desk:medicine", request.hospital.slug, batch.medicine_id)
    return render(request, "pharmacy/manage/adjust_form.html", {"form": form, "batch": batch})


@hospital_role_required(*DESK_ROLES)
@require_POST
def write_off(request, pk=None):
    """Write off one expired batch's free units (or, without ``pk``, every expired batch's)."""
    batch = _batch(request, pk) if pk else None
    try:
        written = services.write_off_expired(hospital=request.hospital, by=request.user, batch=batch)
    except services.PharmacyError as error:
        messages.error(request, error.message)
    else:
        units = -sum(movement.quantity for movement in written)
        if units:
            messages.success(request, _("%(units)d expired units written off.") % {"units": units})
        else:
            messages.info(request, _("Nothing to write off: the expired units left are reserved for orders."))
    if batch is not None:
        return redirect("pharmacy_desk:medicine", request.hospital.slug, batch.medicine_id)
    return redirect("pharmacy_desk:batches", request.hospital.slug)


# Orders ----------------------------------------------------------------------------------------

@hospital_role_required(*DESK_ROLES)
@require_GET
def order_list(request):
    filters = OrderFilterForm(request.GET or None)
    status = filters.cleaned_data.get("status") if filters.is_valid() else None
    if status == TO_PREPARE:
        orders = selectors.orders_queue(request.hospital).filter(status__in=(Status.PAID, Status.PREPARING))
    else:
        orders = selectors.orders_queue(request.hospital, status=status or None)
    return render(request, "pharmacy/manage/order_list.html", {
        "filters": filters, "status": status, "page_obj": paginate(request, orders),
    })


@hospital_role_required(*DESK_ROLES)
@require_GET
def order_detail(request, pk):
    order = _order(request, pk)
    lines = list(selectors.pick_list(order))
    return render(request, "pharmacy/manage/order_detail.html", {
        "order": order, "lines": lines,
        "history": order.status_changes.select_related("by").order_by("at", "pk"),
        "prescription_count": services.order_prescriptions(order).count(),
        "today": local_date(timezone.now(), request.hospital),
        "cancel_form": ReasonForm(),
        "can_read_prescription": Role.PHARMACIST in request.roles,
    })


def _order_move(request, pk, move, done: str):
    order = _order(request, pk)
    try:
        move(order=order, by=request.user)
    except services.PharmacyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"number": order.number})
    return redirect("pharmacy_desk:order", request.hospital.slug, order.pk)


@hospital_role_required(*DESK_ROLES)
@require_POST
def order_prepare(request, pk):
    return _order_move(request, pk, services.start_preparing,
                       _("Preparing %(number)s: take the batches listed, earliest expiry first."))


@hospital_role_required(*DESK_ROLES)
@require_POST
def order_ready(request, pk):
    """Dispense the order: ``dispensed_<line id>`` per line (default all), a ``note`` when something is short."""
    order = _order(request, pk)
    line_ids = list(MedicineOrderLine.objects.filter(order=order).order_by("pk").values_list("pk", flat=True))
    dispensed = {}
    for line_id in line_ids:
        value = request.POST.get(f"dispensed_{line_id}", "").strip()
        if value:
            dispensed[line_id] = value
    try:
        services.mark_ready(order=order, by=request.user, dispensed=dispensed, note=request.POST.get("note", ""))
    except services.PharmacyError as error:
        if error.item is not None and error.item < len(line_ids):
            messages.error(request, _("Line %(line)d: %(message)s")
                           % {"line": error.item + 1, "message": error.message})
        else:
            messages.error(request, error.message)
    else:
        messages.success(request, _("%(number)s is ready; the patient has been told.") % {"number": order.number})
    return redirect("pharmacy_desk:order", request.hospital.slug, order.pk)


@hospital_role_required(*DESK_ROLES)
@require_POST
def order_collected(request, pk):
    return _order_move(request, pk, services.mark_collected, _("%(number)s collected."))


@hospital_role_required(*DESK_ROLES)
@require_POST
def order_dispatch(request, pk):
    return _order_move(request, pk, services.send_out_for_delivery,
                       _("%(number)s is out for delivery; the patient has been told."))


@hospital_role_required(*DESK_ROLES)
@require_POST
def order_delivered(request, pk):
    return _order_move(request, pk, services.mark_delivered, _("%(number)s delivered."))


@hospital_role_required(*DESK_ROLES)
@require_POST
def order_cancel(request, pk):
    order = _order(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason the patient is told."))
    else:
        try:
            services.cancel_order(order=order, by=request.user, reason=form.cleaned_data["reason"])
        except services.PharmacyError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(number)s cancelled; the stock is released and any payment refunded.")
                             % {"number": order.number})
    return redirect("pharmacy_desk:order", request.hospital.slug, order.pk)


@hospital_role_required(Role.PHARMACIST)
@require_GET
def order_prescription(request, pk):
    """The prescriptions attached to an order, each read through the access log (one row per prescription)."""
    order = _order(request, pk)
    prescriptions = [
        services.read_order_prescription(reader=request.user, order=order, prescription=prescription,
                                         hospital=request.hospital, role=Role.PHARMACIST)
        for prescription in services.order_prescriptions(order)
    ]
    return render(request, "pharmacy/manage/order_prescription.html", {"order": order, "prescriptions": prescriptions})
