"""sslcommerz-lib's calls, through our client, against the local sandbox on a live Daphne server: real HTTP."""

import logging
import socket

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from payments.gateway import SSLCommerzGateway, GatewayError, gateway
from payments.sandbox.models import SandboxSession
from payments.sandbox import services as sandbox_services


def session_body(tran_id, amount="500.00", currency="BDT"):
    """A session request as our checkout sends it: the callbacks are this site's own (the sandbox takes no other)."""
    return {
        "total_amount": amount, "currency": currency, "tran_id": tran_id,
        "success_url": settings.SITE_URL + reverse("payments:success"),
        "fail_url": settings.SITE_URL + reverse("payments:fail"),
        "cancel_url": settings.SITE_URL + reverse("payments:cancel"), "cus_name": "Ayesha",
        "cus_email": "a@example.test", "cus_add1": "Dhaka", "cus_city": "Dhaka", "cus_country": "Bangladesh",
        "cus_phone": "01700000000", "shipping_method": "NO", "product_name": "Consultation",
        "product_category": "Healthcare", "product_profile": "non-physical-goods",
    }


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_client_session_validation_queries_and_refunds_over_http(sandbox):
    client = gateway()

    opened = client.createSession(session_body("T-HTTP-1"))
    assert opened["status"] == "SUCCESS" and opened["sessionkey"]
    assert opened["GatewayPageURL"].startswith(sandbox + "/sandbox/sslcommerz/checkout/")

    session = sandbox_services.settle(SandboxSession.objects.get(tran_id="T-HTTP-1"), "pay", "MASTER-City Bank")
    first = client.validationTransactionOrder(session.val_id)
    again = client.validationTransactionOrder(session.val_id)
    assert (first["status"], again["status"]) == ("VALID", "VALIDATED")
    assert (first["tran_id"], first["amount"], first["currency"], first["card_type"]) == (
        "T-HTTP-1", "500.00", "BDT", "MASTER-City Bank")

    by_tran = client.transaction_query_tranid("T-HTTP-1")
    assert by_tran["APIConnect"] == "DONE" and by_tran["no_of_trans_found"] == 1
    assert by_tran["element"][0]["status"] == "VALIDATED" and by_tran["element"][0]["val_id"] == session.val_id
    by_session = client.transaction_query_session(opened["sessionkey"])
    assert (by_session["status"], by_session["tran_id"]) == ("VALIDATED", "T-HTTP-1")

    refund = client.init_refund(session.bank_tran_id, "200.00", "Doctor unavailable")
    assert (refund["APIConnect"], refund["status"]) == ("DONE", "success") and refund["refund_ref_id"]
    assert client.query_refund_status(refund["refund_ref_id"])["status"] == "refunded"
    too_much = client.init_refund(session.bank_tran_id, "300.01", "Again")
    assert too_much["status"] == "failed" and "exceeds" in too_much["errorReason"]


def test_session_api_refuses_wrong_credentials_and_missing_fields(sandbox, settings):
    client = gateway()
    body = session_body("T-HTTP-2")
    del body["cus_email"]
    assert client.createSession(body)["failedreason"].endswith("cus_email required")

    wrong = SSLCommerzGateway(store_id=settings.SSLCOMMERZ_STORE_ID, store_password="wrong",
                              base_url=settings.SSLCOMMERZ_BASE_URL, mode="local", timeout=5)
    answer = wrong.createSession(session_body("T-HTTP-3"))
    assert answer["status"] == "FAILED" and "Store Credential Error" in answer["failedreason"]
    assert not SandboxSession.objects.filter(tran_id="T-HTTP-3").exists()


def test_validation_api_says_invalid_transaction_for_unknown_val_id_or_wrong_credentials(sandbox, settings):
    client = gateway()
    client.createSession(session_body("T-HTTP-4"))
    session = sandbox_services.settle(SandboxSession.objects.get(tran_id="T-HTTP-4"), "pay")

    assert client.validationTransactionOrder("no-such-val-id")["status"] == "INVALID_TRANSACTION"
    wrong = SSLCommerzGateway(store_id="someone-else", store_password=settings.SSLCOMMERZ_STORE_PASSWORD,
                              base_url=settings.SSLCOMMERZ_BASE_URL, mode="local", timeout=5)
    assert wrong.validationTransactionOrder(session.val_id)["status"] == "INVALID_TRANSACTION"
    assert wrong.transaction_query_tranid("T-HTTP-4")["APIConnect"] == "FAILED"


def test_gateway_that_does_not_answer_raises_without_the_password(settings, caplog):
    settings.SSLCOMMERZ_BASE_URL = f"http://127.0.0.1:{closed_port()}/sandbox/sslcommerz"
    caplog.set_level(logging.DEBUG)

    with pytest.raises(GatewayError) as caught:
        gateway().validationTransactionOrder("V1")

    assert settings.SSLCOMMERZ_STORE_PASSWORD not in str(caught.value)
    assert caught.value.__cause__ is None
    assert settings.SSLCOMMERZ_STORE_PASSWORD not in caplog.text
    assert settings.SSLCOMMERZ_STORE_PASSWORD not in repr(gateway())


def test_gateway_answering_garbage_raises(sandbox, settings):
    settings.SSLCOMMERZ_BASE_URL = sandbox + "/?page="  # the home page: HTML, not JSON
    with pytest.raises(GatewayError, match="not JSON"):
        gateway().validationTransactionOrder("V1")
    settings.SSLCOMMERZ_BASE_URL = sandbox + "/no-such-gateway"
    with pytest.raises(GatewayError, match="no usable answer"):
        gateway().createSession(session_body("T-HTTP-5"))


def test_live_mode_is_refused_anywhere_but_sslcommerz_live_host(settings):
    with pytest.raises(ImproperlyConfigured):
        SSLCommerzGateway(store_id="s", store_password="p", base_url="https://sandbox.sslcommerz.com", mode="live",
                          timeout=1)
    live = SSLCommerzGateway(store_id="s", store_password="p", base_url="https://securepay.sslcommerz.com/",
                             mode="live", timeout=1)
    assert live.validation_url == "https://securepay.sslcommerz.com/validator/api/validationserverAPI.php"

    settings.SSLCOMMERZ_MODE, settings.SSLCOMMERZ_STORE_ID, settings.SSLCOMMERZ_STORE_PASSWORD = "live", "s", "p"
    settings.SSLCOMMERZ_BASE_URL = "https://sslcommerz.example.com"
    with pytest.raises(SystemCheckError, match="payments.E002"):
        call_command("check", "--deploy")
    settings.SSLCOMMERZ_BASE_URL = "https://securepay.sslcommerz.com"
    call_command("check", "--deploy", "--fail-level", "ERROR")
