"""/me/cart/ and /me/orders/: what the apps that sell things (labs, pharmacy) register shows up, merged."""

from datetime import datetime, timezone as dt_timezone, UTC
from decimal import Decimal

import pytest

from accounts import orders
from accounts.orders import OrderRow

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(throwaway_app):
    return orders


def _row(kind, reference, day, status="paid"):
    return OrderRow(kind=kind, kind_label=kind.title(), reference=reference, hospital_name="Green Life",
                    status=status, status_label=status.title(), placed_at=datetime(2026, 11, day, tzinfo=UTC),
                    total=Decimal("850.00"), currency="BDT", url=f"/{kind}/{reference}/")


def test_an_empty_cart_and_no_orders_say_so_and_point_to_the_hospitals(client_for, patient, shop):
    shop.CART_SECTIONS.clear()
    shop.ORDER_SOURCES.clear()
    client = client_for(patient)
    cart = client.get("/me/cart/").content.decode()
    assert "Your cart is empty" in cart and 'href="/hospitals/"' in cart
    assert "No orders yet" in client.get("/me/orders/").content.decode()


def test_each_apps_carts_and_orders_show_merged_newest_first_and_by_kind(client_for, patient, shop):
    shop.register_cart_section("stock", template="throwaway/cart.html", count=lambda user: 1,
                               selector=lambda user: {"carts": [{"hospital": "Green Life", "lines": ["Napa", "Seclo"]}]})
    shop.register_order_source("lab", label="Lab tests",
                               orders=lambda user: [_row("lab", "DCH-26-000001", 3), _row("lab", "DCH-26-000002", 9)])
    shop.register_order_source("medicine", label="Medicines", orders=lambda user: [_row("medicine", "M-7", 5)])
    client = client_for(patient)

    cart = client.get("/me/cart/").content.decode()
    assert '<div class="card" data-testid="stock-cart">Green Life: Napa, Seclo</div>' in cart
    assert shop.open_cart_count(patient) == 1

    page = client.get("/me/orders/").content.decode()
    assert page.index("DCH-26-000002") < page.index("M-7") < page.index("DCH-26-000001")
    only_medicines = client.get("/me/orders/?kind=medicine").content.decode()
    assert "M-7" in only_medicines and "DCH-26" not in only_medicines
    assert "DCH-26-000001" in client.get("/me/orders/?kind=nonsense").content.decode()


def test_cart_and_orders_need_a_login(client):
    for path in ("/me/cart/", "/me/orders/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
