"""The patient's pharmacy pages: a hospital's shop, the medicine cart (a section of /me/cart/),
checkout and pay, "Buy these medicines" from a prescription, and the patient's order page.

Views are thin: the patient's own rows through scoped querysets, one service call, a message
and a redirect. Every rule (stock, prescriptions, quantities) is the services'; their
``PharmacyError`` messages are shown as they are.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.orders import cart_sections_for
from healthstack.pages import paginate
from hospitals.models import Hospital
from payments.checkout import go_to_gateway
from payments.models import Payment
from records.models import Prescription

from . import selectors, services
from .forms import CheckoutForm, ShopSearchForm
from .models import Medicine, MedicineOrder, MedicineOrderLine, PharmacyError


def _see_other(url: str) -> HttpResponse:
    response = redirect(url)
    response.status_code = 303
    return response


def _back(request, default: str) -> str:
    """Where a form posted from the shop returns: the page it came from (same site only), else ``default``."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def shop(request, slug):
    """/hospitals/<slug>/pharmacy/: the hospital's medicines with availability, price and badges; paginated."""
    hospital = get_object_or_404(Hospital.objects.approved(), slug=slug)
    form = ShopSearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    page = paginate(request, selectors.shop_medicines(hospital, q=q))
    return render(request, "pharmacy/shop.html", {
        "hospital": hospital, "form": form, "q": q, "page_obj": page,
        "is_patient": getattr(request.user, "is_patient", False),
    })


@login_required
@require_POST
def add_to_cart(request, slug):
    """Add a quantity of one of the hospital's medicines to the patient's cart there."""
    hospital = get_object_or_404(Hospital.objects.approved(), slug=slug)
    back = _back(request, reverse("pharmacy:shop", args=[hospital.slug]))
    raw = request.POST.get("medicine", "")
    if not (raw.isascii() and raw.isdigit()):
        messages.error(request, _("Choose a medicine from the list."))
        return _see_other(back)
    medicine = get_object_or_404(Medicine.objects.for_hospital(hospital), pk=int(raw))
    try:
        line = services.add_to_cart(patient=request.user, medicine=medicine, quantity=request.POST.get("quantity"))
    except PharmacyError as error:
        messages.error(request, error.about(medicine))
    else:
        messages.success(request, _("%(medicine)s is in your cart (%(count)d).") % {
            "medicine": medicine.display_name, "count": line.quantity})
    return _see_other(back)


def _own_cart(request, pk) -> MedicineOrder:
    return get_object_or_404(MedicineOrder.objects.for_patient(request.user).carts().select_related("hospital"), pk=pk)


def _own_line(request, pk):
    return get_object_or_404(
        MedicineOrderLine.objects.filter(order__patient=request.user, order__status=MedicineOrder.Status.CART)
        .select_related("medicine"), pk=pk)


@login_required
@require_POST
def line_update(request, pk):
    line = _own_line(request, pk)
    try:
        services.set_quantity(patient=request.user, line=line, quantity=request.POST.get("quantity"))
    except PharmacyError as error:
        messages.error(request, error.about(line.medicine))
    else:
        messages.success(request, _("Quantity updated."))
    return _see_other(reverse("me:cart"))


@login_required
@require_POST
def line_remove(request, pk):
    line = _own_line(request, pk)
    services.remove_from_cart(patient=request.user, line=line)
    messages.success(request, _("%(medicine)s was removed from your cart.") % {"medicine": line.medicine.display_name})
    return _see_other(reverse("me:cart"))


@login_required
@require_POST
def checkout(request, pk):
    """"Checkout and pay": reserve the cart's stock (awaiting payment), then the payment gateway.

    A refusal shows the cart page again with the message beside the field or the line at fault.
    """
    cart = _own_cart(request, pk)
    offer = services.pharmacy_settings(cart.hospital)
    form = CheckoutForm(request.POST, prefix=f"cart{cart.pk}", delivery_offered=offer.delivery_offered)
    errors = {}
    if form.is_valid():
        try:
            order = services.checkout(patient=request.user, order=cart, delivery=form.cleaned_data["delivery"],
                                      delivery_address=form.cleaned_data["delivery_address"])
        except services.StockShortage as shortage:
            lines = list(cart.lines.order_by("pk").values_list("pk", flat=True))
            errors = {"lines": {lines[s.item]: s.message for s in shortage.shortages if s.item < len(lines)}}
            messages.error(request, shortage.message)
        except PharmacyError as error:
            if error.item is not None:
                lines = list(cart.lines.order_by("pk").values_list("pk", flat=True))
                if error.item < len(lines):
                    errors = {"lines": {lines[error.item]: error.message}}
            elif error.field in form.fields:
                form.add_error(error.field, error.message)
            messages.error(request, error.message)
        else:
            if order.status == MedicineOrder.Status.PAID:
                messages.success(request, _("Your order is placed."))
                return _see_other(reverse("pharmacy:order", args=[order.pk]))
            return go_to_gateway(request, order)
    sections = cart_sections_for(request.user)
    for section in sections:
        for entry in section["context"].get("carts", []):
            if entry.get("order") is not None and entry["order"].pk == cart.pk and "form" in entry:
                entry["form"] = form
                entry["line_errors"] = errors.get("lines", {})
    empty = not any(section["context"].get("carts") for section in sections)
    return render(request, "accounts/my_cart.html", {"sections": sections, "empty": empty}, status=400)


@login_required
@require_POST
def buy_prescription(request, pk):
    """"Buy these medicines": the prescription's in-stock medicines into the cart at its hospital."""
    issued = Prescription.objects.filter(patient=request.user, status=Prescription.Status.ISSUED)
    prescription = get_object_or_404(issued, pk=pk)
    try:
        fill = services.cart_from_prescription(patient=request.user, prescription=prescription)
    except PharmacyError as error:
        messages.error(request, error.message)
        return _see_other(reverse("records:mine"))
    for item, why in fill.not_stocked:
        messages.warning(request, f"{item.medicine_name} {item.strength}".strip() + f": {why}")
    if fill.added:
        messages.success(request, ngettext(
            "%(count)d medicine from your prescription is in your cart at %(hospital)s.",
            "%(count)d medicines from your prescription are in your cart at %(hospital)s.", len(fill.added))
            % {"count": len(fill.added), "hospital": fill.order.hospital.name})
    else:
        messages.info(request, _("None of this prescription's medicines can be bought at %(hospital)s right now.")
                      % {"hospital": fill.order.hospital.name})
    return _see_other(reverse("me:cart"))


def _own_order(request, pk) -> MedicineOrder:
    return get_object_or_404(MedicineOrder.objects.for_patient(request.user).placed().with_people(), pk=pk)


@login_required
def order_detail(request, pk):
    """/me/medicine-orders/<id>/: status and its history, lines, batches handed over, Pay and Cancel; live."""
    order = _own_order(request, pk)
    lines = list(selectors.pick_list(order))
    dispensed = order.status in MedicineOrder.DISPENSED
    return render(request, "pharmacy/order_detail.html", {
        "order": order, "lines": lines, "dispensed": dispensed,
        "history": order.status_changes.order_by("at", "pk"),
        "can_cancel": order.can_become(MedicineOrder.Status.CANCELLED),
        "paid": order.status in (MedicineOrder.Status.PAID, MedicineOrder.Status.PREPARING),
        "receipts": Payment.objects.for_payable(order).receipts(),
    })


@login_required
@require_POST
def order_cancel(request, pk):
    order = _own_order(request, pk)
    try:
        order = services.cancel_order(order=order, by=request.user, reason=request.POST.get("reason", "")[:500])
    except PharmacyError as error:
        messages.error(request, error.message)
    else:
        if order.refund_due or order.paid_at:
            messages.success(request, _("Your order is cancelled. The medicines go back on the shelf and what you "
                                        "paid is refunded in full."))
        else:
            messages.success(request, _("Your order is cancelled and the medicines go back on the shelf."))
    return _see_other(reverse("pharmacy:order", args=[order.pk]))
