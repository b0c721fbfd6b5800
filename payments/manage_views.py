"""The hospital admin's payments desk under /manage/<hospital>/payments/. Every view passes the tenancy guard."""

from decimal import Decimal

from django.contrib import messages
from django.db.models import Count, DecimalField, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from healthstack.csvexport import csv_response
from healthstack.localtime import local_date, local_stamp
from healthstack.pages import paginate
from hospitals.permissions import Role, hospital_role_required

from . import services
from .forms import PaymentFilterForm, RefundForm
from .gateway import GatewayError
from .models import Payment

ZERO = Decimal("0.00")


def _money_sum(field: str, **condition):
    return Coalesce(Sum(field, filter=Q(**condition) if condition else None), ZERO,
                    output_field=DecimalField(max_digits=14, decimal_places=2))


def _filtered(request):
    form = PaymentFilterForm(request.GET or None)
    payments = form.filter(Payment.objects.for_hospital(request.hospital))
    return form, payments


@hospital_role_required(Role.ADMIN)
@require_GET
def payment_list(request):
    with timezone.override(request.hospital.tz):  # day totals and date filters in the hospital's time
        return _payment_list(request)


def _payment_list(request):
    form, payments = _filtered(request)
    days = (
        payments.annotate(day=TruncDate("created_at")).values("day").order_by("-day")
        .annotate(received=_money_sum("amount", status__in=Payment.MONEY_TAKEN),
                  refunded=_money_sum("refunded_amount"),
                  count=Count("pk", filter=Q(status__in=Payment.MONEY_TAKEN)))[:31]
    )
    totals = payments.aggregate(received=_money_sum("amount", status__in=Payment.MONEY_TAKEN),
                                refunded=_money_sum("refunded_amount"))
    on_hold = Payment.objects.for_hospital(request.hospital).filter(status=Payment.Status.ON_HOLD).with_people()
    return render(request, "payments/manage/payment_list.html", {
        "filters": form, "page_obj": paginate(request, payments.with_people()),
        "days": days, "totals": totals, "on_hold": on_hold,
    })


@hospital_role_required(Role.ADMIN)
@require_GET
def payment_export(request):
    with timezone.override(request.hospital.tz):
        return _payment_export(request)


def _payment_export(request):
    _, payments = _filtered(request)
    hospital = request.hospital
    today = local_date(timezone.now(), hospital)
    # Read here, inside the hospital's zone, which the date filters are compiled in.
    rows = list(_payment_rows(payments.with_people().order_by("created_at"), hospital))
    return csv_response(rows, filename=f"payments-{hospital.slug}-{today:%Y-%m-%d}.csv")


def _payment_rows(payments, hospital):
    yield ("created", "paid", "tran_id", "status", "payer", "payer_email", "item", "amount", "currency", "refunded",
           "card_type", "bank_tran_id", "risk_level")
    for p in payments.iterator(chunk_size=500):
        yield (
            local_stamp(p.created_at, hospital), local_stamp(p.paid_at, hospital), p.tran_id, p.status,
            p.payer.full_name, p.payer.email, p.description, p.amount, p.currency, p.refunded_amount, p.card_type,
            p.bank_tran_id, p.risk_level,
        )


def _payment(request, pk) -> Payment:
    return get_object_or_404(Payment.objects.for_hospital(request.hospital).with_people(), pk=pk)


@hospital_role_required(Role.ADMIN)
@require_GET
def payment_detail(request, pk):
    payment = _payment(request, pk)
    return render(request, "payments/manage/payment_detail.html", {
        "payment": payment, "events": payment.events.select_related("by"),
        "refund_form": RefundForm(initial={"amount": payment.refundable_amount}),
    })


@hospital_role_required(Role.ADMIN)
@require_POST
def payment_accept(request, pk):
    payment = _payment(request, pk)
    try:
        services.accept_held_payment(payment=payment, by=request.user)
    except services.PaymentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Payment {payment.tran_id} accepted.")
    return redirect("hospital_payments:detail", request.hospital.slug, payment.pk)


@hospital_role_required(Role.ADMIN)
@require_POST
def payment_refund(request, pk):
    payment = _payment(request, pk)
    form = RefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the amount to refund and a reason.")
        return redirect("hospital_payments:detail", request.hospital.slug, payment.pk)
    try:
        services.refund_payment(payment=payment, by=request.user, **form.cleaned_data)
    except (services.PaymentError, GatewayError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Refund of {form.cleaned_data['amount']} {payment.currency} sent to the gateway.")
    return redirect("hospital_payments:detail", request.hospital.slug, payment.pk)
