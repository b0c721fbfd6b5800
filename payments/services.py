"""Writes with rules for payments: start, confirm (one idempotent path), fail, hold, refund, reconcile.

Nothing here trusts what a browser or an unsigned callback says. A payment becomes paid
only after (1) a callback signed with our store password whose signature covers the
fields that matter and (2) the gateway's validation API, asked by ``val_id``, answers
VALID or VALIDATED for the same tran_id, the exact amount and currency, and our store.
Network calls never run inside a database transaction: on a single SQLite file the local
sandbox, answering on the same server, could not commit while we held one.
"""

import logging
import secrets
import time
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from healthstack import mail
from healthstack.status import locked
from healthstack.templatetags.money import money
from healthstack.verification import issue_document_code
from notifications.services import notify

from .gateway import FAILURE_SIGNED_FIELDS, SUCCESS_SIGNED_FIELDS, GatewayError, gateway
from .models import InvalidTransition, Payment, PaymentError, PaymentEvent, content_type_of
from .payables import Payable, PayableGone

logger = logging.getLogger(__name__)

Status = Payment.Status
VALID_STATUSES = ("VALID", "VALIDATED")
CENT = Decimal("0.01")

__all__ = ["AlreadyPaid", "InvalidTransition", "PaymentError", "PaymentRejected"]


class PaymentRejected(PaymentError):
    """A gateway callback that proves nothing (bad signature, unknown or mismatched transaction)."""


# Helpers ------------------------------------------------------------------------------------

def _plain(data: Mapping) -> dict[str, str]:
    """A QueryDict or dict as {key: last value as str}."""
    getter = getattr(data, "get", None)
    return {str(key): str(getter(key) if getter else data[key]) for key in data.keys()}


def _decimal(text) -> Decimal | None:
    try:
        return Decimal(str(text)).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        return None


def _new_tran_id() -> str:
    return "HS" + secrets.token_hex(8).upper()


MISMATCH_ALERT_EVERY = timedelta(hours=1)


def _event(payment: Payment, kind: str, *, source: str = "", note: str = "", by=None, amount=None,
           data: dict | None = None) -> PaymentEvent:
    """Log what is not a status move (status moves log themselves through ``transition_to``)."""
    return PaymentEvent.objects.create(
        payment=payment, kind=kind, source=source, note=note[:255], by=by, amount=amount, data=data or {},
    )


def _reject(source: str, tran_id: str, reason: str, payment: Payment | None = None, *,
            mismatch: bool = False) -> None:
    """Log a callback that proves nothing, keep a trace on the payment, and raise PaymentRejected."""
    logger.warning("payments: %s callback rejected for tran_id=%r: %s", source, tran_id[:40], reason)
    if payment is not None:
        _event(payment, PaymentEvent.Kind.REJECTED, source=source, note=reason,
               data={"mismatch": True} if mismatch else None)
    raise PaymentRejected(reason)


def _reject_mismatch(source: str, payment: Payment, reason: str) -> None:
    """Refuse a signed notice or validation answer whose money or store is not ``payment``'s; email the operators.

    Only the gateway or someone holding the store password can sign such a notice, so a person
    must look: the email names the payment, what it is and what the callback said. One email
    an hour per payment: whoever holds the password could otherwise fill the operators' inbox;
    every refusal is still logged on the payment.
    """
    alerted_lately = payment.events.filter(
        kind=PaymentEvent.Kind.REJECTED, data__mismatch=True,
        at__gte=timezone.now() - MISMATCH_ALERT_EVERY,
    ).exists()
    if not alerted_lately:
        _alert_mismatch(source, payment, reason)
    _reject(source, payment.tran_id, reason, payment, mismatch=True)


def _alert_mismatch(source: str, payment: Payment, reason: str) -> None:
    mail.alert_operators(
        subject=gettext("HealthStack: a payment callback for %(tran_id)s disagrees with the payment")
        % {"tran_id": payment.tran_id},
        text=gettext("A payment confirmation was refused because what the gateway side sent disagrees with "
                     "the payment.\n\n"
                     "Payment: %(tran_id)s at %(hospital)s, %(amount)s %(currency)s, now %(status)s\n"
                     "From: %(source)s\nReason: %(reason)s\n\n"
                     "Nothing was changed. A notice with this store's signature comes from the gateway or from "
                     "someone who holds the store password: if the gateway did not send it, change the password "
                     "with the gateway and in SSLCOMMERZ_STORE_PASSWORD.")
        % {"source": source, "reason": reason, "tran_id": payment.tran_id, "hospital": payment.hospital.name,
           "amount": f"{payment.amount:.2f}", "currency": payment.currency, "status": payment.status},
        about="payment_mismatch",
    )


def _notice_mismatch(fields: dict[str, str], payment: Payment) -> str:
    """Why a signed success notice's amount or currency is not ``payment``'s; "" when they agree.

    In a multi-currency payment ``amount`` and ``currency`` are the BDT equivalent and
    ``currency_type`` / ``currency_amount`` what was asked: when those are signed they must be
    ours, and ``amount`` must be ours whenever ``currency`` is.
    """
    ours = (payment.currency, payment.amount)
    sent = (fields["currency"], _decimal(fields["amount"]))
    signed = fields["verify_key"].split(",")
    if "currency_type" in signed and "currency_amount" in signed and fields["currency_type"]:
        asked = (fields["currency_type"], _decimal(fields["currency_amount"]))
        agrees = asked == ours and (sent == ours or sent[0] != ours[0])
    else:
        asked, agrees = sent, sent == ours
    return "" if agrees else f"amount or currency differs ({asked[1]} {asked[0][:3]})"


def _origin(url: str) -> str:
    return "/".join(url.split("/")[:3])


def _site_url(name: str) -> str:
    return settings.SITE_URL + reverse(name)


def _kept(answer: dict) -> dict:
    """What of a gateway answer is worth storing (never card numbers beyond the masked form)."""
    keep = ("status", "tran_id", "val_id", "amount", "currency", "currency_type", "currency_amount",
            "store_amount", "bank_tran_id", "card_type", "card_brand", "card_issuer", "card_no", "risk_level",
            "risk_title", "tran_date", "validated_on", "APIConnect", "sessionkey", "failedreason",
            "refund_ref_id", "errorReason")
    return {key: answer[key] for key in keep if key in answer}


# Start --------------------------------------------------------------------------------------

class AlreadyPaid(PaymentError):
    """The payable is paid already (or its payment is on hold for review): there is nothing to open."""


# How often a Pay that finds another request opening the payable's session looks again for its page.
SESSION_POLL_SECONDS = 0.1


def start_payment(*, payable: Payable, payer, now: datetime | None = None) -> tuple[Payment, str]:
    """Send ``payer`` to the gateway for ``payable``: return its payment attempt and the GatewayPageURL.

    One live gateway session per payable: under a lock on the payable's row, an attempt still
    waiting for the gateway whose session opened within the payment hold is handed back (a second
    Pay, in another tab or a double click, resumes it); otherwise a new attempt is made, its amount
    and currency copied from the payable now, and its session opened with no lock held. A Pay that
    finds another request opening the session waits for that session's page. Raises AlreadyPaid
    when a payment of the payable stands (paid or on hold), and PaymentError when the payable
    cannot be paid, or when the gateway refuses or does not answer; such an attempt is marked
    failed (no money can have moved).
    """
    now = now or timezone.now()
    amount = _decimal(payable.amount)
    if amount is None or amount <= 0:
        raise PaymentError(gettext("There is nothing to pay."))
    content_type = content_type_of(payable)
    with transaction.atomic():
        current = _lock_payable(type(payable), payable.pk)
        attempts = Payment.objects.filter(content_type=content_type, object_id=payable.pk)
        if attempts.filter(status__in=(Status.PAID, Status.ON_HOLD), duplicate_of__isnull=True).exists():
            raise AlreadyPaid(gettext("This is already paid; there is nothing more to pay."))
        if current is None or not current.can_be_paid():
            raise PaymentError(gettext("This can no longer be paid for."))
        live = _live_attempt(attempts, amount=amount, currency=payable.currency, now=now)
        if live is not None and _page_of(live):
            _event(live, PaymentEvent.Kind.NOTE, source="start", by=payer,
                   note="Pay pressed again: the open checkout was resumed.")
            return live, _page_of(live)
        if live is None:
            payment = Payment.objects.create(
                tran_id=_new_tran_id(), payer=payer, hospital_id=payable.hospital_id, amount=amount,
                currency=payable.currency, description=str(payable.description)[:255],
                content_type=content_type, object_id=payable.pk,
            )
    if live is not None:
        return live, _wait_for_page(live)
    return _open_session(payment, payer=payer, amount=amount)


def _lock_payable(model, object_id: int):
    """Inside a transaction: the payable's row (of ``model``), re-read under a row lock; None if it is gone.

    Every path that settles or opens a payment for the payable takes this lock first, then the
    payments' rows, so two of them never wait on each other. (SQLite has no row locks; its
    write transactions queue for the database's one write lock instead.)
    """
    return model._base_manager.select_for_update().filter(pk=object_id).first()


def _live_attempt(attempts, *, amount: Decimal, currency: str, now: datetime) -> Payment | None:
    """The attempt whose gateway session is still usable: waiting for the gateway, for the same amount,
    and either opened within the payment hold or, with no page yet, being opened by another request
    right now (a request that died before the gateway answered leaves no page and no claim)."""
    hold = now - timedelta(minutes=settings.PAYMENT_HOLD_MINUTES)
    opening = now - timedelta(seconds=settings.PAYMENT_GATEWAY_TIMEOUT + 5)
    for attempt in attempts.filter(status=Status.INITIATED, amount=amount, currency=currency,
                                   created_at__gt=hold).order_by("-created_at", "-pk"):
        if _page_of(attempt) or attempt.created_at > opening:
            return attempt
    return None


def _page_of(payment: Payment) -> str:
    return str((payment.gateway_responses.get("session") or {}).get("GatewayPageURL") or "")


def _wait_for_page(payment: Payment) -> str:
    """The page of the session another request is opening for ``payment``, once it has it.

    Raises PaymentError when that request failed to open it, or when it takes longer than the
    gateway may take to answer.
    """
    deadline = time.monotonic() + settings.PAYMENT_GATEWAY_TIMEOUT + 5
    while time.monotonic() < deadline:
        payment.refresh_from_db(fields=["status", "gateway_responses"])
        if _page_of(payment):
            return _page_of(payment)
        if payment.status != Status.INITIATED:
            break
        time.sleep(SESSION_POLL_SECONDS)
    raise PaymentError(gettext("The payment gateway is not answering. Please try again in a minute."))


def _open_session(payment: Payment, *, payer, amount: Decimal) -> tuple[Payment, str]:
    """Ask the gateway for ``payment``'s checkout session (no transaction held); return the payment and its page."""
    profile = getattr(payer, "patient_profile", None)
    address = (getattr(profile, "address", "") or "Not given").replace("\n", ", ")[:200]
    body = {
        "total_amount": f"{amount:.2f}", "currency": payment.currency, "tran_id": payment.tran_id,
        "success_url": _site_url("payments:success"), "fail_url": _site_url("payments:fail"),
        "cancel_url": _site_url("payments:cancel"), "ipn_url": _site_url("payments:ipn"),
        "cus_name": payer.full_name or payer.email, "cus_email": payer.email, "cus_phone": payer.phone or "N/A",
        "cus_add1": address, "cus_city": "N/A", "cus_postcode": "0000", "cus_country": "Bangladesh",
        "shipping_method": "NO", "num_of_item": 1, "product_name": payment.description[:255],
        "product_category": "Healthcare", "product_profile": "non-physical-goods", "emi_option": 0,
        "value_a": str(payment.uuid),
    }
    client = gateway()
    try:
        answer = client.createSession(body)
    except GatewayError as exc:
        logger.warning("payments: session for %s not opened: %s", payment.tran_id, exc)
        _fail_start(payment, f"Gateway did not answer: {exc}")
        raise PaymentError(gettext("The payment gateway is not answering. Please try again in a minute.")) from None
    page = str(answer.get("GatewayPageURL") or "")
    # The browser is sent only to the gateway's own host (the one CSP form-action allows).
    if answer.get("status") != "SUCCESS" or not page.startswith(_origin(client.base_url) + "/"):
        reason = str(answer.get("failedreason") or "no GatewayPageURL")[:200]
        logger.warning("payments: session for %s refused: %s", payment.tran_id, reason)
        _fail_start(payment, f"Gateway refused the session: {reason}", answer)
        raise PaymentError(gettext("The payment gateway refused this payment. Please try again later."))
    with transaction.atomic():
        payment = locked(payment)
        payment.sessionkey = str(answer.get("sessionkey", ""))[:64]
        payment.gateway_responses["session"] = {**_kept(answer), "GatewayPageURL": page}
        payment.save(update_fields=["sessionkey", "gateway_responses", "updated_at"])
        _event(payment, PaymentEvent.Kind.STARTED, source="start", by=payer)
    return payment, page


@transaction.atomic
def _fail_start(payment: Payment, note: str, answer: dict | None = None) -> None:
    payment = locked(payment)
    if answer:
        payment.gateway_responses["session"] = _kept(answer)
    payment.transition_to(Status.FAILED, by=None, source="start", reason=note, fields=["gateway_responses"])


# Confirm ------------------------------------------------------------------------------------

def confirm_payment(data: Mapping, *, source: str, now: datetime | None = None) -> Payment:
    """The one path from a gateway success notice (IPN or the browser's success POST) to "paid".

    Checks the signature (covering tran_id, val_id, amount, currency, status, store_id and
    risk_level), finds our payment by tran_id, asks the validation API by val_id and
    accepts only its answer. Idempotent: a repeat of a confirmed notice returns the payment
    unchanged. Every notice, a repeat included, must carry the payment's own amount, currency
    and store; one that does not is refused and the operators are emailed. Raises
    PaymentRejected for input that proves nothing (logged, nothing changed) and GatewayError
    when the gateway does not answer (try again later).
    """
    client = gateway()
    fields = _plain(data)
    tran_id = fields.get("tran_id", "")
    if not client.signature_is_valid(fields, SUCCESS_SIGNED_FIELDS):
        _reject(source, tran_id, "signature missing, wrong, or not covering " + ",".join(SUCCESS_SIGNED_FIELDS))
    payment = Payment.objects.filter(tran_id=tran_id).first()
    if payment is None:
        _reject(source, tran_id, "unknown tran_id")
    if fields["store_id"] != client.store_id:
        _reject_mismatch(source, payment, "notice for another store")
    if fields["status"] not in VALID_STATUSES:
        _reject(source, tran_id, f"not a success notice (status {fields['status'][:20]})", payment)
    mismatch = _notice_mismatch(fields, payment)
    if mismatch:
        _reject_mismatch(source, payment, mismatch)
    val_id = fields["val_id"]
    if payment.val_id and payment.val_id == val_id and payment.status in Payment.MONEY_TAKEN:
        return payment
    return _confirm_val_id(payment, val_id, source=source, now=now)


def _confirm_val_id(payment: Payment, val_id: str, *, source: str, now: datetime | None = None) -> Payment:
    """Ask the validation API about ``val_id``; if it vouches for ``payment``, settle it (once)."""
    if not val_id:
        _reject(source, payment.tran_id, "no val_id", payment)
    if Payment.objects.filter(val_id=val_id).exclude(pk=payment.pk).exists():
        _reject(source, payment.tran_id, "val_id already used by another payment (replay)", payment)
    client = gateway()
    answer = client.validationTransactionOrder(val_id)
    status = answer.get("status")
    if status not in VALID_STATUSES:
        _reject(source, payment.tran_id, f"validation API says {str(status)[:30]}", payment)
    if answer.get("tran_id") != payment.tran_id or answer.get("val_id", val_id) != val_id:
        _reject(source, payment.tran_id, "validation API answered for another transaction", payment)
    # In a multi-currency payment `amount` is the BDT equivalent; currency_type/currency_amount are what was asked.
    currency = answer.get("currency_type") or answer.get("currency")
    amount = _decimal(answer.get("currency_amount") or answer.get("amount"))
    if currency != payment.currency or amount != payment.amount:
        _reject_mismatch(source, payment, f"amount or currency differs ({amount} {str(currency)[:3]})")
    if answer.get("store_id") not in (None, "", client.store_id):
        _reject_mismatch(source, payment, "validation API answered for another store")
    try:
        risk_level = int(answer.get("risk_level") or 0)
    except (TypeError, ValueError):
        _reject(source, payment.tran_id, "unreadable risk_level", payment)
    return _settle(payment, answer, val_id=val_id, risk_level=risk_level, source=source, now=now)


def _settle(payment: Payment, answer: dict, *, val_id: str, risk_level: int, source: str,
            now: datetime | None = None) -> Payment:
    """Mark ``payment`` paid (or on hold when risky) once, under locks on its payable and itself.

    A payment for a payable that another payment already paid stays recorded as taken, as a
    duplicate of that one: no receipt, the payable is not told, and it is refunded in full after
    commit with a reason that says so.
    """
    try:
        with transaction.atomic():
            model = payment.content_type.model_class()
            if model is not None:
                _lock_payable(model, payment.object_id)
            payment = locked(payment)
            if payment.status in Payment.MONEY_TAKEN:
                if payment.val_id != val_id:
                    logger.warning("payments: %s already settled with another val_id", payment.tran_id)
                return payment
            payment.val_id = val_id
            payment.bank_tran_id = str(answer.get("bank_tran_id", ""))[:80]
            payment.card_type = str(answer.get("card_type", ""))[:60]
            payment.risk_level = risk_level
            payment.paid_at = now or timezone.now()
            payment.gateway_responses["validation"] = _kept(answer)
            payment.duplicate_of = (
                Payment.objects.filter(content_type_id=payment.content_type_id, object_id=payment.object_id,
                                       status__in=(Status.PAID, Status.ON_HOLD), duplicate_of__isnull=True)
                .exclude(pk=payment.pk).order_by("paid_at", "pk").first()
            )
            fields = ["val_id", "bank_tran_id", "card_type", "risk_level", "paid_at", "gateway_responses",
                      "duplicate_of"]
            if risk_level == 1:
                payment.transition_to(
                    Status.ON_HOLD, by=None, source=source, fields=fields,
                    reason=f"Risky payment ({str(answer.get('risk_title', ''))[:60]}): the hospital reviews it.",
                )
            else:
                payment.transition_to(Status.PAID, by=None, source=source, fields=fields)
            if payment.duplicate_of is not None:
                _refund_duplicate(payment)
            elif risk_level == 1:
                _hold(payment)
            else:
                _deliver(payment)
            _close_superseded(payment, source=source)
            return payment
    except IntegrityError:
        _reject(source, payment.tran_id, "val_id already used by another payment (replay)", payment)


def _refund_duplicate(payment: Payment) -> None:
    """Inside the settling transaction: ``payment`` paid again for what ``payment.duplicate_of`` paid.

    Logged on the payment, refunded in full after commit; the refund's email gives the plain reason.
    """
    first = payment.duplicate_of
    logger.info("payments: %s paid again for what %s paid; refunding", payment.tran_id, first.tran_id)
    _event(payment, PaymentEvent.Kind.NOTE, source="duplicate",
           note=f"Refund due: a second payment for what {first.tran_id} paid already.")
    reason = gettext("You paid twice for this. Your first payment (transaction %(first)s) stands; "
               "this second payment is refunded in full.") % {"first": first.tran_id}
    transaction.on_commit(lambda: refund_in_full(payment=payment, reason=reason))


def _close_superseded(payment: Payment, *, source: str) -> None:
    """Inside the settling transaction: cancel the payable's other attempts still waiting for the gateway.

    The payer gave up on a checkout and paid with a new one; the old attempt is closed (and
    logged) so it is not left "waiting for the gateway" beside the paid one. The validation API
    stays the truth: a cancelled attempt the gateway later vouches for may still become paid.
    """
    others = (
        Payment.objects.select_for_update()
        .filter(content_type_id=payment.content_type_id, object_id=payment.object_id, status=Status.INITIATED)
        .exclude(pk=payment.pk).order_by("pk")
    )
    for other in others:  # locked above in id order; locked() marks each for its move
        locked(other).transition_to(Status.CANCELLED, by=None, source=source,
                                    reason=f"Superseded by {payment.tran_id}, which was paid.")


def _hold(payment: Payment) -> None:
    payable = payment.payable
    hook = getattr(payable, "on_payment_held", None)
    if hook:
        hook(payment)
    notify(payment.payer, "payment_on_hold", _context(payment), url=_return_url(payment), group=_group(payment))


def _deliver(payment: Payment) -> None:
    """Inside the paying transaction: issue the receipt, tell the payable, email the receipt after commit."""
    payable = payment.payable
    if payment.receipt_code_id is None:
        payment.receipt_code = issue_document_code(
            kind="receipt", hospital_name=payment.hospital.name, patient_name=payment.payer.full_name,
            issued_at=payment.paid_at,
        )
        payment.save(update_fields=["receipt_code", "updated_at"])
    try:
        with transaction.atomic():
            if payable is None:
                raise PayableGone("The item paid for no longer exists.")
            payable.on_payment_confirmed(payment)
    except PayableGone as gone:
        logger.info("payments: %s paid for something no longer available; refunding", payment.tran_id)
        reason = str(gone) or "No longer available."
        _event(payment, PaymentEvent.Kind.NOTE, source="payable", note=f"Refund due: {reason}")
        transaction.on_commit(lambda: refund_in_full(payment=payment, reason=reason))
    transaction.on_commit(lambda: send_receipt(payment))


def send_receipt(payment: Payment) -> None:
    """Notify the payer of the payment with the receipt PDF attached (after commit)."""
    payment = Payment.objects.with_people().get(pk=payment.pk)
    notify(payment.payer, "payment_received", _context(payment), url=_return_url(payment),
           attachments=[("receipt", payment.pk)], group=_group(payment))


def _context(payment: Payment, **extra) -> dict:
    return {
        "hospital_name": payment.hospital.name, "description": payment.description, "tran_id": payment.tran_id,
        "amount": money(payment.amount, payment.currency), **extra,
    }


def _group(payment: Payment) -> str:
    """The notification group of what was paid for (``appointment:<id>``), so its news stays together."""
    payable = payment.payable
    return f"{payable.payable_kind}:{payable.pk}" if payable is not None else f"payment:{payment.pk}"


def _return_url(payment: Payment) -> str:
    payable = payment.payable
    return payable.payment_return_url() if payable is not None else reverse("payments:mine")


def return_url_for(tran_id: str) -> str:
    """Where a browser coming back from the gateway is sent (a page behind login)."""
    payment = Payment.objects.filter(tran_id=str(tran_id)[:30]).first()
    return _return_url(payment) if payment else reverse("payments:mine")


# Fail and cancel ----------------------------------------------------------------------------

def record_failed_payment(data: Mapping, *, source: str) -> Payment:
    """A signed fail or cancel notice: initiated → failed | cancelled. A settled payment is never downgraded.

    Raises PaymentRejected for an unsigned or unknown notice.
    """
    client = gateway()
    fields = _plain(data)
    tran_id = fields.get("tran_id", "")
    payment = Payment.objects.filter(tran_id=tran_id).first()
    if payment is None:
        _reject(source, tran_id, "unknown tran_id")
    if not client.signature_is_valid(fields, FAILURE_SIGNED_FIELDS) or fields["store_id"] != client.store_id:
        _reject(source, tran_id, "signature missing, wrong, or not covering " + ",".join(FAILURE_SIGNED_FIELDS),
                payment)
    if fields["status"] in VALID_STATUSES:
        _reject(source, tran_id, "a success notice sent to the failure path", payment)
    target = Status.CANCELLED if fields["status"] == "CANCELLED" or source == "cancel" else Status.FAILED
    with transaction.atomic():
        payment = locked(payment)
        if payment.status != Status.INITIATED:
            logger.info("payments: %s %s notice ignored; payment is %s", tran_id, source, payment.status)
            _event(payment, PaymentEvent.Kind.NOTE, source=source,
                   note=f"{fields['status'][:20]} notice ignored: payment is {payment.status}.")
            return payment
        payment.gateway_responses[source] = _kept(fields)
        payment.transition_to(target, by=None, source=source, fields=["gateway_responses"],
                              reason=str(fields.get("error", ""))[:200])
        payable = payment.payable
        if payable is not None:
            payable.on_payment_failed(payment)
    return payment


# Hospital review and refunds ----------------------------------------------------------------

@transaction.atomic
def accept_held_payment(*, payment: Payment, by) -> Payment:
    """on_hold → paid after the hospital's review; the payable is then told (or refunded if gone)."""
    payment = locked(payment)
    payment.transition_to(Status.PAID, by=by, source="staff", reason="Accepted after review.")
    _deliver(payment)
    return payment


def refund_payment(*, payment: Payment, amount: Decimal, reason: str, by=None) -> Payment:
    """Refund ``amount`` through the gateway's refund API, capped at what was paid minus earlier refunds.

    The amount is first reserved (``refunded_amount`` raised under the row lock and committed),
    so concurrent refunds cannot pass the cap while the gateway is asked with no lock held; a
    refused or unanswered refund gives the reservation back. Marks the payment refunded once
    fully refunded and emails the payer. Raises PaymentError for a payment with nothing to
    refund, an amount over the cap, a refusal, or no answer (check the refund status then).
    """
    amount = _decimal(amount)
    reason = (reason or "").strip()[:255]
    if amount is None or amount <= 0:
        raise PaymentError("Enter an amount above zero.")
    if not reason:
        raise PaymentError("Give a reason for the refund.")
    with transaction.atomic():
        payment = locked(payment)
        cap = payment.refundable_amount
        if cap <= 0 or not payment.bank_tran_id:
            raise PaymentError("This payment has nothing left to refund.")
        if amount > cap:
            raise PaymentError(f"At most {cap} {payment.currency} can be refunded.")
        payment.refunded_amount += amount
        payment.save(update_fields=["refunded_amount", "updated_at"])
    failure, answer = None, {}
    try:
        answer = gateway().init_refund(payment.bank_tran_id, f"{amount:.2f}", reason)
    except GatewayError as exc:
        failure = f"Gateway did not answer ({exc}); check the refund status before retrying."
    else:
        if answer.get("APIConnect") != "DONE" or answer.get("status") not in ("success", "processing"):
            failure = f"Refund refused: {str(answer.get('errorReason') or answer.get('status'))[:150]}"
    with transaction.atomic():
        payment = locked(payment)
        if failure is None:
            payment.gateway_responses.setdefault("refunds", []).append(_kept(answer))
            if payment.refunded_amount == payment.amount:
                payment.transition_to(Status.REFUNDED, by=by, source="refund", reason=reason,
                                      fields=["gateway_responses"])
            else:
                payment.save(update_fields=["gateway_responses", "updated_at"])
            _event(payment, PaymentEvent.Kind.REFUND, source="refund", by=by, amount=amount, note=reason,
                   data={"refund_ref_id": str(answer.get("refund_ref_id", ""))[:40]})
            notify(payment.payer, "payment_refunded", _context(payment, refund_amount=money(amount, payment.currency),
                                                               reason=reason), url=reverse("payments:mine"),
                   group=_group(payment))
            return payment
        payment.refunded_amount -= amount
        payment.save(update_fields=["refunded_amount", "updated_at"])
        _event(payment, PaymentEvent.Kind.REFUND_FAILED, source="refund", by=by, amount=amount, note=failure)
    logger.warning("payments: refund of %s for %s not done: %s", amount, payment.tran_id, failure)
    raise PaymentError(failure)


def refund_in_full(*, payment: Payment, reason: str, by=None) -> Payment | None:
    """Refund whatever is left of ``payment``; failures are logged and left for the hospital's payments page."""
    payment = Payment.objects.get(pk=payment.pk)
    if payment.refundable_amount <= 0:
        return None
    try:
        return refund_payment(payment=payment, amount=payment.refundable_amount, reason=reason, by=by)
    except PaymentError as error:
        logger.warning("payments: automatic refund of %s failed: %s", payment.tran_id, error)
        return None


def refund_payable(*, payable, reason: str, by=None, amount: Decimal | None = None) -> None:
    """After the current transaction commits, refund ``payable``: every settled payment in full, or ``amount``.

    For domain apps, which say what is to be refunded and never how: an appointment rejected
    by the hospital or cancelled in time (in full); the unfilled part of a medicine order
    (``amount``). A part is taken from the payable's latest payment that stands, in full when it
    covers what is left of it; a refund the gateway refuses is logged and left for the
    hospital's payments page.
    """
    if amount is None:
        ids = list(Payment.objects.for_payable(payable).filter(status__in=(Status.PAID, Status.ON_HOLD))
                   .values_list("pk", flat=True))
    else:
        latest = Payment.objects.for_payable(payable).standing().order_by("-pk").first()
        ids = [latest.pk] if latest is not None and amount > 0 else []

    def run():
        for payment in Payment.objects.filter(pk__in=ids):
            if amount is None or amount >= payment.refundable_amount:
                refund_in_full(payment=payment, reason=reason, by=by)
                continue
            try:
                refund_payment(payment=payment, amount=amount, reason=reason, by=by)
            except PaymentError:
                pass  # refund_payment logged it; the payments page shows what is left to refund

    if ids:
        transaction.on_commit(run)


# Reconciliation -----------------------------------------------------------------------------

def reconcile_payments(*, older_than: timedelta | None = None, now: datetime | None = None) -> Counter:
    """Ask the gateway about every payment still initiated after ``older_than`` (default: the hold time).

    A transaction the gateway reports VALID is confirmed through the validation API, exactly
    as a callback would; one reported failed or cancelled is marked so; one the gateway never
    saw, twice the hold time after it started, is marked failed. A gateway that does not
    answer leaves the payment for the next run. Returns counts by outcome.
    """
    now = now or timezone.now()
    hold = timedelta(minutes=settings.PAYMENT_HOLD_MINUTES)
    older_than = hold if older_than is None else older_than
    counts = Counter()
    stale = Payment.objects.abandoned(now=now, older_than=older_than).order_by("created_at")
    client = gateway()
    for payment in stale:
        try:
            answer = client.transaction_query_tranid(payment.tran_id)
            elements = answer.get("element") or []
            if answer.get("APIConnect") != "DONE" or not isinstance(elements, list):
                raise GatewayError(f"transaction query said {str(answer.get('APIConnect'))[:20]}")
            paid = [e for e in elements if isinstance(e, dict) and e.get("status") in VALID_STATUSES]
            if paid:
                payment = _confirm_val_id(payment, str(paid[0].get("val_id", "")), source="reconcile", now=now)
                counts[payment.status] += 1
            elif payment.created_at <= now - 2 * hold:
                statuses = {str(e.get("status")) for e in elements if isinstance(e, dict)}
                _give_up(payment, Status.CANCELLED if statuses == {"CANCELLED"} else Status.FAILED,
                         note=f"Gateway reports {', '.join(sorted(statuses)) or 'no transaction'}.")
                counts["closed"] += 1
            else:
                counts["waiting"] += 1
        except GatewayError as exc:
            logger.warning("payments: reconcile of %s: %s", payment.tran_id, exc)
            counts["unanswered"] += 1
        except PaymentRejected:
            counts["rejected"] += 1
    return counts


@transaction.atomic
def _give_up(payment: Payment, to: str, *, note: str) -> None:
    payment = locked(payment)
    if payment.status == Status.INITIATED:
        payment.transition_to(to, by=None, source="reconcile", reason=note)
        payable = payment.payable
        if payable is not None:
            payable.on_payment_failed(payment)
