"""Fixtures for the payments tests: the gateway pointed at the live server's sandbox, payable appointments.

``sandbox`` makes this process's gateway client (and the URLs it hands out) use the live
Daphne server, whose /sandbox/sslcommerz/ is the local SSLCommerz; everything is real HTTP.
"""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from appointments.tests.factories import AppointmentFactory
from payments.gateway import sign


@pytest.fixture
def sandbox(live_server_url, settings):
    settings.SITE_URL = live_server_url
    settings.SSLCOMMERZ_MODE = "local"
    settings.SSLCOMMERZ_BASE_URL = live_server_url + "/sandbox/sslcommerz"
    settings.PAYMENT_GATEWAY_TIMEOUT = 10
    return live_server_url


@pytest.fixture
def make_payable(doctor_membership, patient):
    """``make_payable(**fields)``: an appointment awaiting payment of 500.00 BDT, its hold running."""
    made = []

    def make(**fields):
        fields.setdefault("patient", patient)
        fields.setdefault("membership", doctor_membership)
        fields.setdefault("date", date.today() + timedelta(days=5))
        fields.setdefault("status", "awaiting_payment")
        fields.setdefault("fee", Decimal("500.00"))
        fields.setdefault("hold_expires_at", timezone.now() + timedelta(minutes=15))
        hour = 9 + len(made)
        fields.setdefault("start_time", time(hour, 0))
        fields.setdefault("end_time", time(hour, 15))
        appointment = AppointmentFactory(**fields)
        made.append(appointment)
        return appointment

    return make


@pytest.fixture
def payable(make_payable):
    return make_payable()


def sandbox_session(payment):
    from payments.sandbox.models import SandboxSession

    return SandboxSession.objects.get(tran_id=payment.tran_id)


def settle(payment, outcome="pay", *, deliver=False) -> dict:
    """The payer's choice on the sandbox checkout page; returns the signed notice the gateway sends back."""
    from payments.sandbox import services as sandbox

    session = sandbox.settle(sandbox_session(payment), outcome, "VISA-Dutch Bangla")
    if deliver:
        sandbox.deliver_ipn(session)
    return dict(session.callback)


def resign(notice: dict, keys, password: str) -> dict:
    """``notice`` signed again over ``keys`` only (what someone holding the store password could send)."""
    fields = {k: v for k, v in notice.items() if not k.startswith("verify_")}
    return {**fields, **sign(fields, keys, password)}


def pay_twice(payable, patient, settings):
    """Two checkouts of ``payable``, both paid at the gateway and notified in order: (first, second).

    The first checkout had gone stale (older than the payment hold, which is set to nothing for
    a moment) when the second was opened; the payable's own hold is unchanged.
    """
    from payments.tests.test_confirm import post, start

    first = start(payable, patient)
    hold, settings.PAYMENT_HOLD_MINUTES = settings.PAYMENT_HOLD_MINUTES, 0
    second = start(payable, patient)
    settings.PAYMENT_HOLD_MINUTES = hold
    assert second != first
    first_notice, second_notice = settle(first), settle(second)
    assert post("ipn", first_notice).status_code == 200
    assert post("ipn", second_notice).status_code == 200
    return first, second
