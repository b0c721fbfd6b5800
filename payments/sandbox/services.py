"""The local SSLCommerz look-alike: the session API, checkout outcomes, signed notices, validation and queries.

It answers with SSLCommerz's field names and status words, signs its notices with the
``verify_sign`` rule, and checks the store credentials against the same settings the
merchant side uses. Nothing here imports the merchant side: it talks to it over HTTP,
as SSLCommerz would, and only to this site's own payment callbacks under ``SITE_URL``
(``site_callback_urls``). The local store credentials are published in ``.env.example``,
so a session asking for any other address is refused, and a stored session's addresses
are never used: otherwise anyone could make this server POST signed notices wherever it
can reach.
"""

import hmac
import logging
import secrets
import string
from datetime import datetime
from decimal import Decimal, InvalidOperation

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from healthstack.status import locked
from payments.gateway import sign

from .models import SandboxRefund, SandboxSession

logger = logging.getLogger(__name__)

CARD_TYPES = [
    ("VISA-Dutch Bangla", "Visa · Dutch-Bangla Bank"),
    ("MASTER-City Bank", "Mastercard · City Bank"),
    ("AMEX-City Bank", "American Express · City Bank"),
    ("BKASH-BKash", "bKash"),
    ("NAGAD-Nagad", "Nagad"),
]
CARD_BRANDS = {"VISA": "VISA", "MASTER": "MASTERCARD", "AMEX": "AMEX", "BKASH": "MOBILEBANKING",
               "NAGAD": "MOBILEBANKING"}
REQUIRED_FIELDS = (
    "total_amount", "currency", "tran_id", "success_url", "fail_url", "cancel_url", "cus_name", "cus_email",
    "cus_add1", "cus_city", "cus_country", "cus_phone", "shipping_method", "product_name", "product_category",
    "product_profile",
)
CURRENCIES = ("BDT", "USD", "EUR", "GBP", "INR")
PAY, RISKY, FAIL, CANCEL = "pay", "risky", "fail", "cancel"
OUTCOMES = (PAY, RISKY, FAIL, CANCEL)
ALPHANUMERIC = string.ascii_letters + string.digits


CALLBACK_ROUTES = {"success_url": "payments:success", "fail_url": "payments:fail", "cancel_url": "payments:cancel",
                   "ipn_url": "payments:ipn"}


class SandboxError(Exception):
    """A request SSLCommerz would refuse; the message is its ``failedreason``."""


def credentials_ok(store_id: str, store_passwd: str) -> bool:
    return hmac.compare_digest(str(store_id), settings.SSLCOMMERZ_STORE_ID) and hmac.compare_digest(
        str(store_passwd), settings.SSLCOMMERZ_STORE_PASSWORD
    )


def site_callback_urls() -> dict[str, str]:
    """The only addresses the sandbox sends a notice or a payer to: this site's payment callbacks, by field name."""
    return {field: settings.SITE_URL + reverse(route) for field, route in CALLBACK_ROUTES.items()}


def _reference(length: int = 12) -> str:
    return timezone.localtime().strftime("%y%m%d%H%M%S") + "".join(secrets.choice(ALPHANUMERIC) for _ in range(length))


def open_session(data) -> SandboxSession:
    """The session API (gwprocess/v4/api.php). Raises SandboxError with SSLCommerz's wording."""
    if not credentials_ok(data.get("store_id", ""), data.get("store_passwd", "")):
        raise SandboxError("Store Credential Error Or Store is De-active")
    missing = [name for name in REQUIRED_FIELDS if not str(data.get(name, "")).strip()]
    if missing:
        raise SandboxError(f"Invalid Information: {', '.join(missing)} required")
    try:
        amount = Decimal(str(data["total_amount"])).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise SandboxError("Invalid Information: total_amount is not a number") from None
    if not Decimal("10.00") <= amount <= Decimal("500000.00"):
        raise SandboxError("Invalid Information: total_amount must be from 10.00 to 500000.00")
    if data["currency"] not in CURRENCIES:
        raise SandboxError("Invalid Information: currency not supported")
    callbacks = site_callback_urls()
    for field, url in callbacks.items():
        asked = str(data.get(field, "")).strip()
        if asked and asked != url:
            raise SandboxError(f"Invalid Information: {field} must be this store's callback, {url}")
    try:
        with transaction.atomic():
            return SandboxSession.objects.create(
                sessionkey=secrets.token_hex(16).upper(), store_id=data["store_id"], tran_id=data["tran_id"][:60],
                amount=amount, currency=data["currency"], product_name=data["product_name"][:255],
                customer_name=data["cus_name"][:150], customer_email=data["cus_email"][:254],
                success_url=callbacks["success_url"], fail_url=callbacks["fail_url"],
                cancel_url=callbacks["cancel_url"], ipn_url=callbacks["ipn_url"] if data.get("ipn_url") else "",
                values={key: str(data.get(key, ""))[:255] for key in ("value_a", "value_b", "value_c", "value_d")},
            )
    except IntegrityError:
        raise SandboxError("Invalid Information: tran_id already used for this store") from None


def _transaction_fields(session: SandboxSession, *, status: str) -> dict:
    """The transaction as SSLCommerz reports it in notices, validation and queries (unsigned)."""
    fields = {
        "status": status, "tran_id": session.tran_id, "val_id": session.val_id or "",
        "amount": f"{session.amount:.2f}", "store_amount": f"{session.amount * Decimal('0.975'):.2f}",
        "currency": session.currency, "card_type": session.card_type, "bank_tran_id": session.bank_tran_id,
        "card_no": "418117XXXXXX6675" if session.card_type.startswith("VISA") else "",
        "tran_date": timezone.localtime(session.settled_at or session.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        "card_issuer": session.card_type.partition("-")[2], "card_brand": CARD_BRANDS.get(
            session.card_type.partition("-")[0], ""),
        "card_issuer_country": "Bangladesh", "card_issuer_country_code": "BD",
        "currency_type": session.currency, "currency_amount": f"{session.amount:.2f}", "currency_rate": "1.0000",
        "base_fair": "0.00", "risk_level": str(session.risk_level),
        "risk_title": "Safe" if session.risk_level == 0 else "Risky",
        **session.values,
    }
    return fields


@transaction.atomic
def settle(session: SandboxSession, outcome: str, card_type: str = "", *,
           now: datetime | None = None) -> SandboxSession:
    """Record the payer's choice on the checkout page, once, and the signed notice for the merchant."""
    session = locked(session)
    if session.status != SandboxSession.Status.PENDING:
        return session
    if outcome not in OUTCOMES:
        raise SandboxError("Unknown outcome")
    session.settled_at = now or timezone.now()
    session.card_type = card_type if card_type in dict(CARD_TYPES) else CARD_TYPES[0][0]
    if outcome in (PAY, RISKY):
        target = SandboxSession.Status.VALID
        session.val_id = _reference()
        session.bank_tran_id = _reference(15)
        session.risk_level = 1 if outcome == RISKY else 0
        fields = _transaction_fields(session, status=target)
    else:
        target = SandboxSession.Status.FAILED if outcome == FAIL else SandboxSession.Status.CANCELLED
        fields = _transaction_fields(session, status=target)
        fields.update(val_id="", bank_tran_id="", card_no="", risk_level="0", risk_title="Safe")
        if outcome == FAIL:
            fields["error"] = "Declined by the issuing bank (sandbox)"
    fields["store_id"] = session.store_id
    session.callback = {**fields, **sign(fields, fields.keys(), settings.SSLCOMMERZ_STORE_PASSWORD)}
    return session.transition_to(target, by=None, fields=[
        "settled_at", "card_type", "val_id", "bank_tran_id", "risk_level", "callback",
    ])


def return_url(session: SandboxSession) -> str:
    """This site's success, fail or cancel callback for the session's outcome (never an address it stored)."""
    callbacks = site_callback_urls()
    field = {SandboxSession.Status.VALID: "success_url", SandboxSession.Status.FAILED: "fail_url"}.get(
        session.status, "cancel_url"
    )
    return callbacks[field]


def deliver_ipn(session: SandboxSession) -> int | None:
    """POST the signed notice to this site's IPN callback, server to server; return the HTTP status or None.

    Only a session that asked for an IPN gets one, and it goes to ``site_callback_urls()``,
    never to the address stored on the session. Runs after ``settle`` committed, with a short
    timeout: on a single-process server the merchant's IPN view runs in another request
    thread of the same server.
    """
    if not session.ipn_url:
        return None
    try:
        response = requests.post(site_callback_urls()["ipn_url"], data=session.callback,
                                 timeout=settings.PAYMENT_GATEWAY_TIMEOUT)
    except requests.RequestException as exc:
        logger.warning("sandbox: IPN for %s not delivered (%s)", session.tran_id, type(exc).__name__)
        return None
    logger.info("sandbox: IPN for %s answered %s", session.tran_id, response.status_code)
    return response.status_code


@transaction.atomic
def validate(*, val_id: str, store_id: str, store_passwd: str) -> dict:
    """validationserverAPI.php: VALID the first time, VALIDATED after, INVALID_TRANSACTION otherwise."""
    session = None
    if val_id and credentials_ok(store_id, store_passwd):
        session = SandboxSession.objects.select_for_update().filter(
            val_id=val_id, store_id=store_id, status=SandboxSession.Status.VALID
        ).first()
    if session is None:
        return {"status": "INVALID_TRANSACTION", "APIConnect": "DONE"}
    status = "VALID" if session.validation_count == 0 else "VALIDATED"
    session.validation_count += 1
    session.save(update_fields=["validation_count"])
    return {
        **_transaction_fields(session, status=status), "APIConnect": "DONE",
        "validated_on": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"), "gw_version": "sandbox",
    }


def _reported_status(session: SandboxSession) -> str:
    if session.status == SandboxSession.Status.VALID:
        return "VALIDATED" if session.validation_count else "VALID"
    return session.status


def query(params) -> dict:
    """merchantTransIDvalidationAPI.php: refund initiation, refund status, query by sessionkey or tran_id."""
    store_id = params.get("store_id", "")
    if not credentials_ok(store_id, params.get("store_passwd", "")):
        return {"APIConnect": "FAILED"}
    sessions = SandboxSession.objects.filter(store_id=store_id)
    if params.get("bank_tran_id") and params.get("refund_amount"):
        return _refund(sessions, params)
    if params.get("refund_ref_id"):
        refund = SandboxRefund.objects.filter(
            refund_ref_id=params["refund_ref_id"], session__store_id=store_id
        ).select_related("session").first()
        if refund is None:
            return {"APIConnect": "DONE", "status": "failed", "errorReason": "Invalid refund_ref_id"}
        made = timezone.localtime(refund.created_at).strftime("%Y-%m-%d %H:%M:%S")
        return {"APIConnect": "DONE", "bank_tran_id": refund.session.bank_tran_id, "tran_id": refund.session.tran_id,
                "refund_ref_id": refund.refund_ref_id, "initiated_on": made, "refunded_on": made,
                "status": "refunded", "errorReason": ""}
    if params.get("sessionkey"):
        session = sessions.filter(sessionkey=params["sessionkey"]).first()
        if session is None:
            return {"APIConnect": "DONE", "status": "INVALID_REQUEST"}
        return {**_transaction_fields(session, status=_reported_status(session)), "sessionkey": session.sessionkey,
                "APIConnect": "DONE"}
    if params.get("tran_id"):
        found = [
            {**_transaction_fields(s, status=_reported_status(s)), "sessionkey": s.sessionkey}
            for s in sessions.filter(tran_id=params["tran_id"])
        ]
        return {"APIConnect": "DONE", "no_of_trans_found": len(found), "element": found}
    return {"APIConnect": "INVALID_REQUEST"}


@transaction.atomic
def _refund(sessions, params) -> dict:
    session = sessions.select_for_update().filter(
        bank_tran_id=params["bank_tran_id"], status=SandboxSession.Status.VALID
    ).first()
    answer = {"APIConnect": "DONE", "bank_tran_id": params["bank_tran_id"], "trans_id": "", "refund_ref_id": ""}
    if session is None:
        return {**answer, "status": "failed", "errorReason": "Invalid bank_tran_id"}
    answer["trans_id"] = session.tran_id
    try:
        amount = Decimal(str(params["refund_amount"])).quantize(Decimal("0.01"))
    except InvalidOperation:
        return {**answer, "status": "failed", "errorReason": "Invalid refund_amount"}
    if amount <= 0 or amount > session.amount - session.refunded_total:
        return {**answer, "status": "failed", "errorReason": "Refund amount exceeds the refundable amount"}
    if not str(params.get("refund_remarks", "")).strip():
        return {**answer, "status": "failed", "errorReason": "refund_remarks required"}
    refund = SandboxRefund.objects.create(
        session=session, refund_ref_id="RF" + _reference(8), amount=amount, remarks=params["refund_remarks"][:255]
    )
    return {**answer, "refund_ref_id": refund.refund_ref_id, "status": "success", "errorReason": ""}
