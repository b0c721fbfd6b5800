"""The rules every payable shares, written once: the gateway's smallest amount, the payment hold, its expiry.

A domain app (appointments, labs, pharmacy) calls these at checkout; it never picks a hold time
or a minimum of its own, nor sweeps its own expired holds (DESIGN.md, "Money: one lifecycle,
owned by payments"): it registers ``stale`` and ``expire`` with its payable (payments.payables).
"""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from healthstack.templatetags.money import money

from .payables import expiring_kinds

logger = logging.getLogger(__name__)


class AmountTooSmall(ValueError):
    """An amount above zero but under the gateway's smallest payment; ``message`` is shown to the payer."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def minimum_amount() -> Decimal:
    """The smallest payment the gateway takes (SSLCommerz's session API refuses less): ``PAYMENT_MIN_AMOUNT``."""
    return Decimal(str(settings.PAYMENT_MIN_AMOUNT))


def check_minimum(amount: Decimal, currency: str) -> None:
    """Raise AmountTooSmall for an amount the gateway cannot take; nothing to pay (zero) is fine."""
    minimum = minimum_amount()
    if 0 < amount < minimum:
        raise AmountTooSmall(_("The smallest amount that can be paid online is %(minimum)s; add a little more.")
                             % {"minimum": money(minimum, currency)})


def hold_minutes() -> int:
    """How long a payable checked out waits for its payment: ``PAYMENT_HOLD_MINUTES``."""
    return settings.PAYMENT_HOLD_MINUTES


def hold_expires_at(now: datetime) -> datetime:
    """When a hold started at ``now`` runs out."""
    return now + timedelta(minutes=hold_minutes())


def expire_stale_holds(*, now: datetime | None = None, batch: int = 100) -> int:
    """Expire every registered payable whose hold ran out, kind by kind; return how many were expired.

    Takes the stale ids in batches of ``batch`` and expires each in its own short transaction:
    the row is locked (one another worker holds is left for the next run) and read again as
    stale, so a payment that landed meanwhile wins and running twice expires nothing twice.
    One payable that fails is logged and skipped; the others still expire. Run every minute
    by ``payments.tasks``; nothing stale costs one query per kind and no transaction.
    """
    now = now or timezone.now()
    expired = 0
    for kind, stale, expire in expiring_kinds():
        after = 0
        while True:
            ids = list(stale(now).filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch])
            for pk in ids:
                try:
                    with transaction.atomic():
                        payable = stale(now).filter(pk=pk).select_for_update(skip_locked=True).first()
                        if payable is None:
                            continue
                        expire(payable, now)
                except Exception:
                    logger.exception("Could not expire %s %s; the next sweep tries again.", kind, pk)
                    continue
                expired += 1
            if len(ids) < batch:
                break
            after = ids[-1]
    return expired
