"""The patient's shopping across apps: open carts at /me/cart/ and every order at /me/orders/.

Labs (tests) and pharmacy (medicines) each register a cart section and an order source from
their ``AppConfig.ready()``; accounts never imports them. A cart section is a Contribution: a
template and a selector ``(user) -> {"carts": [...], ...}``; it counts the user's open carts
with ``count(user)`` for the navbar. An order source lists the user's orders as ``OrderRow``s
(one query per source, whatever the history), which /me/orders/ merges newest first.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from healthstack.contributions import Contribution, in_order


@dataclass(frozen=True)
class CartSection(Contribution):
    """A kind of cart on /me/cart/; its selector takes (user) and returns {"carts": [...], ...}."""

    count: Callable | None = None  # (user) -> number of open carts of this kind


@dataclass(frozen=True)
class OrderRow:
    kind: str  # the source's key, e.g. "lab"
    kind_label: str  # "Lab tests"
    reference: str  # what the patient and the desk call it: an accession or order number
    hospital_name: str
    status: str
    status_label: str
    placed_at: datetime
    total: Decimal
    currency: str
    url: str
    summary: str = ""  # e.g. "CBC, HbA1c"
    tone: str = "secondary"  # the Bootstrap colour of the status badge


@dataclass(frozen=True)
class OrderSource:
    key: str
    label: str
    orders: Callable  # (user) -> Iterable[OrderRow]
    order: int = 50


CART_SECTIONS: dict[str, CartSection] = {}
ORDER_SOURCES: dict[str, OrderSource] = {}


def register_cart_section(key: str, *, template: str, selector, count, order: int = 50) -> None:
    """Add (or replace) the cart section ``key`` of /me/cart/."""
    CART_SECTIONS[key] = CartSection(key=key, template=template, selector=selector, order=order, count=count)


def register_order_source(key: str, *, label, orders, order: int = 50) -> None:
    """Add (or replace) the orders of kind ``key`` listed on /me/orders/ (``label`` names the kind)."""
    ORDER_SOURCES[key] = OrderSource(key=key, label=label, orders=orders, order=order)


def cart_sections_for(user) -> list[dict]:
    """Every cart section, filled for ``user``, in order."""
    return [section.filled(user=user) for section in in_order(CART_SECTIONS.values())]


def open_cart_count(user) -> int:
    """How many open carts ``user`` has, of every kind (one query per kind)."""
    return sum(section.count(user) for section in CART_SECTIONS.values() if section.count)


def order_kinds() -> list[tuple[str, str]]:
    """(key, label) of every kind of order, for the page's filter."""
    return [(source.key, source.label) for source in sorted(ORDER_SOURCES.values(), key=lambda s: (s.order, s.key))]


def orders_for(user, *, kind: str = "") -> list[OrderRow]:
    """The user's orders of every kind (or of ``kind``), newest first."""
    sources = [ORDER_SOURCES[kind]] if kind in ORDER_SOURCES else ORDER_SOURCES.values()
    rows: list[OrderRow] = []
    for source in sources:
        rows.extend(source.orders(user))
    return sorted(rows, key=lambda row: row.placed_at, reverse=True)
