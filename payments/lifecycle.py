"""The rules every payable shares, written once: the gateway's smallest amount and the payment hold.

A domain app (appointments, labs, pharmacy) calls these at checkout; it never picks a hold time
or a minimum of its own (DESIGN.md, "Money: one lifecycle, owned by payments").
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from healthstack.templatetags.money import money


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
