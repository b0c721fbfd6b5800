"""What payments knows about the things it is paid for: a small protocol and a registry of finders.

A domain app (appointments, labs, pharmacy) makes its model a payable and registers a
finder under a short kind name; payments never imports the domain app.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from typing import Protocol


class PayableGone(Exception):
    """Raised by ``on_payment_confirmed`` when the thing paid for can no longer be had (expired, cancelled).

    The payment stays recorded as paid and is refunded in full.
    """


class Payable(Protocol):
    pk: int
    hospital_id: int
    payable_kind: str  # the registry name, e.g. "appointment"

    @property
    def amount(self) -> Decimal: ...

    @property
    def currency(self) -> str: ...

    @property
    def description(self) -> str: ...

    def can_be_paid(self) -> bool: ...

    def payment_return_url(self) -> str:
        """A page behind login where the payer sees the outcome."""

    def on_payment_confirmed(self, payment) -> None:
        """Runs once, inside the transaction that marks ``payment`` paid; raise PayableGone to refund."""

    def on_payment_failed(self, payment) -> None:
        """The attempt failed or was cancelled; the payable stays payable."""

    def on_payment_held(self, payment) -> None:
        """The money was taken but is on hold for review; keep the payable reserved meanwhile."""


Finder = Callable[[int, object], Payable | None]
AwaitingFinder = Callable[[object], Iterable[Payable]]
StaleFinder = Callable[[datetime], QuerySet]
Expirer = Callable[[Payable, datetime], object]
_FINDERS: dict[str, Finder] = {}
_AWAITING: dict[str, AwaitingFinder] = {}
_EXPIRY: dict[str, tuple[StaleFinder, Expirer]] = {}


def register_payable(kind: str, finder: Finder, *, awaiting: AwaitingFinder | None = None,
                     stale: StaleFinder | None = None, expire: Expirer | None = None) -> None:
    """``finder(pk, payer)`` returns the payer's own payable ``pk`` or None; ``awaiting(payer)``,
    when given, returns the payer's payables of this kind that wait for a payment.

    ``stale(now)`` (a queryset of the kind's payables whose hold ran out) and ``expire(payable, now)``
    (the domain's own expire service: its rules, such as giving stock back) let
    ``payments.lifecycle.expire_stale_holds`` expire every kind in one sweep."""
    _FINDERS[kind] = finder
    if awaiting is not None:
        _AWAITING[kind] = awaiting
    if (stale is None) != (expire is None):
        raise ValueError("A payable registers stale and expire together.")
    if stale is not None:
        _EXPIRY[kind] = (stale, expire)


def expiring_kinds() -> list[tuple[str, StaleFinder, Expirer]]:
    """Every registered kind whose holds run out, by name: ``(kind, stale, expire)``."""
    return [(kind, *_EXPIRY[kind]) for kind in sorted(_EXPIRY)]


def find_payable(kind: str, pk: int, payer) -> Payable | None:
    finder = _FINDERS.get(kind)
    return finder(pk, payer) if finder else None


def payables_awaiting_payment(payer) -> list[Payable]:
    """Every registered kind's payables of ``payer`` that wait for a payment, kind by kind."""
    return [payable for kind in sorted(_AWAITING) for payable in _AWAITING[kind](payer)]
