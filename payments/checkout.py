"""Taking a payer to the gateway from any page: the Pay button, and every checkout that ends in paying.

Appointments (booking with a fee), labs and pharmacy (checkout) and the Pay button of each
payable's page all answer with :func:`go_to_gateway`, so paying behaves the same everywhere:
straight to the gateway's page, resuming the session already open; when nothing can be opened,
back to the payable's own page with why.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from . import services
from .payables import Payable


def see_other(url: str) -> HttpResponse:
    """A 303 to ``url``: the browser follows a POST's answer with a GET."""
    response = redirect(url)
    response.status_code = 303
    return response


def go_to_gateway(request, payable: Payable) -> HttpResponse:
    """303 to the gateway's page for ``payable`` (opened now or resumed); otherwise 303 to the payable's page.

    Adds no message on the way to the gateway (it would greet the payer only on the way back,
    beside the payment's own outcome). Already paid is news, not an error.
    """
    try:
        _payment, page = services.start_payment(payable=payable, payer=request.user)
    except services.AlreadyPaid as paid:
        messages.info(request, str(paid))
        return see_other(payable.payment_return_url())
    except services.PaymentError as error:
        messages.error(request, str(error))
        return see_other(payable.payment_return_url())
    return see_other(page)
