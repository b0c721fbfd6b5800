"""Patient-facing payment pages and the gateway's callbacks.

The callbacks (IPN, success, fail, cancel) are the only CSRF-exempt views of the site:
the gateway posts them cross-site, without our session cookie. They trust nothing they
are sent: services check the signature and ask the gateway; the browser is then sent
(303) to a page behind login.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from healthstack.files import private_pdf_response
from healthstack.pages import paginate
from healthstack.pdf import PdfError

from . import services
from .checkout import go_to_gateway, see_other
from .gateway import GatewayError
from .models import Payment
from .payables import find_payable
from .receipts import receipt_download_name, receipt_pdf

logger = logging.getLogger(__name__)

TRY_AGAIN = ("We could not reach the payment gateway to confirm your payment. If money was taken, "
             "it is confirmed automatically within a few minutes; there is no need to pay again.")


@login_required
@require_POST
def start(request, kind, pk):
    """The Pay button: to the gateway session of the signed-in payer's own payable (the open one, or a new one)."""
    payable = find_payable(kind, pk, request.user)
    if payable is None:
        raise Http404("Nothing to pay here.")
    return go_to_gateway(request, payable)


@csrf_exempt
@require_POST
def ipn(request):
    """Server-to-server notice from the gateway: 200 when handled, 400 when it proves nothing, 503 to retry."""
    status = request.POST.get("status", "")
    try:
        if status in services.VALID_STATUSES:
            services.confirm_payment(request.POST, source="ipn")
        else:
            services.record_failed_payment(request.POST, source="ipn")
    except services.PaymentRejected:
        return HttpResponse("rejected", status=400, content_type="text/plain")
    except GatewayError as error:
        logger.warning("payments: IPN for %r left for a retry: %s", request.POST.get("tran_id", "")[:40], error)
        return HttpResponse("try again", status=503, content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")


@csrf_exempt
@require_POST
def success(request):
    tran_id = request.POST.get("tran_id", "")
    try:
        payment = services.confirm_payment(request.POST, source="success")
    except services.PaymentRejected:
        messages.error(request, "We could not confirm this payment. Nothing was charged on our side; "
                                "please contact the hospital if money was taken.")
    except GatewayError as error:
        logger.warning("payments: success return for %r not confirmed yet: %s", tran_id[:40], error)
        messages.warning(request, TRY_AGAIN)
    else:
        if payment.status == Payment.Status.ON_HOLD:
            messages.info(request, "Your payment went through and is being reviewed by the hospital. "
                                   "Your booking is kept for you meanwhile.")
        else:
            messages.success(request, "Payment received. Your receipt is in your email and under My payments.")
    return see_other(services.return_url_for(tran_id))


def _failure_return(request, source: str, message: str):
    tran_id = request.POST.get("tran_id", "")
    try:
        services.record_failed_payment(request.POST, source=source)
    except services.PaymentRejected:
        pass  # logged by the service; the payment is left as it was
    messages.warning(request, message)
    return see_other(services.return_url_for(tran_id))


@csrf_exempt
@require_POST
def fail(request):
    return _failure_return(request, "fail", "The payment did not go through. You can try again.")


@csrf_exempt
@require_POST
def cancel(request):
    return _failure_return(request, "cancel", "The payment was cancelled. You can pay again when you are ready.")


# The latest attempts /me/payments/ shows under the payments; all of them are on their own page.
ATTEMPTS_SHOWN = 5


@login_required
@require_GET
def my_payments(request):
    """/me/payments/: the payments that stand, with their receipts; apart from them, the latest attempts
    that did not become one (left, failed, cancelled, or paid twice and refunded)."""
    mine = Payment.objects.for_payer(request.user).with_people()
    attempts = mine.attempts()
    return render(request, "payments/my_payments.html", {
        "page_obj": paginate(request, mine.standing()),
        "attempts": attempts[:ATTEMPTS_SHOWN], "attempts_count": attempts.count(),
    })


@login_required
@require_GET
def my_attempts(request):
    """/me/payments/attempts/: every attempt of the payer that is not a payment that stands, newest first."""
    attempts = Payment.objects.for_payer(request.user).with_people().attempts()
    return render(request, "payments/my_attempts.html", {"page_obj": paginate(request, attempts)})


@login_required
@require_GET
def receipt(request, uuid):
    payment = get_object_or_404(
        Payment.objects.for_payer(request.user).with_people().filter(receipt_code__isnull=False), uuid=uuid
    )
    try:
        pdf = receipt_pdf(payment)
    except PdfError as error:
        messages.error(request, str(error))
        return redirect("payments:mine")
    return private_pdf_response(pdf, filename=receipt_download_name(payment))
