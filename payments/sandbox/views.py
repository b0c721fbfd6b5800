"""HTTP face of the local sandbox, at SSLCommerz's own paths under /sandbox/sslcommerz/."""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .models import SandboxSession


def _json(answer: dict) -> JsonResponse:
    response = JsonResponse(answer)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # a server-to-server API, authenticated by the store credentials in the body
@require_POST
def session_api(request):
    try:
        session = services.open_session(request.POST)
    except services.SandboxError as error:
        return _json({"status": "FAILED", "failedreason": str(error), "sessionkey": "", "GatewayPageURL": ""})
    page = request.build_absolute_uri(reverse("sandbox:checkout", args=[session.sessionkey]))
    return _json({
        "status": "SUCCESS", "failedreason": "", "sessionkey": session.sessionkey,
        "gw": {"visa": "city_visa,ebl_visa,dbbl_visa", "master": "city_master,ebl_master", "amex": "city_amex",
               "mobilebanking": "bkash,nagad"},
        "redirectGatewayURL": page, "GatewayPageURL": page, "storeBanner": "", "storeLogo": "", "desc": [],
        "is_direct_pay_enable": "0",
    })


@require_http_methods(["GET", "POST"])
def checkout(request, sessionkey):
    """The gateway's payment page: pay, pay but risky, fail or cancel; then back to the merchant."""
    session = get_object_or_404(SandboxSession, sessionkey=sessionkey)
    if request.method == "POST":
        outcome = request.POST.get("outcome", "")
        if outcome not in services.OUTCOMES:
            raise Http404("Unknown outcome.")
        if session.status == SandboxSession.Status.PENDING:
            session = services.settle(session, outcome, request.POST.get("card_type", ""))
            services.deliver_ipn(session)
    if session.status != SandboxSession.Status.PENDING:
        return render(request, "payments/sandbox/redirect.html", {
            "session": session, "target": services.return_url(session), "fields": sorted(session.callback.items()),
        })
    return render(request, "payments/sandbox/checkout.html", {
        "session": session, "card_types": services.CARD_TYPES, "merchant": settings.SSLCOMMERZ_STORE_ID,
    })


@require_GET
def validation_api(request):
    return _json(services.validate(
        val_id=request.GET.get("val_id", ""), store_id=request.GET.get("store_id", ""),
        store_passwd=request.GET.get("store_passwd", ""),
    ))


@require_GET
def transaction_api(request):
    return _json(services.query(request.GET))
