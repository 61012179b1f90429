"""Money and stock at the edges of their columns: overflowing lines, totals and stock are a 422 or capped, never a 500."""

from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db

MAX_PRICE = Decimal("9999999999.99")  # numeric(12,2)


def test_cart_with_a_line_beyond_twelve_digits_still_renders(citizen, client_for, make_product):
    product = make_product(price=MAX_PRICE, stock=5000)
    client = client_for(citizen)
    response = client.post("/api/v1/cart/items", {"product_id": product.pk, "quantity": 1000}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["items"][0]["line_total"] == "9999999999990.00"
    assert client.get("/api/v1/cart").status_code == 200


def test_order_whose_line_total_overflows_is_422_and_writes_nothing(citizen, make_product, place):
    product = make_product(price=MAX_PRICE, stock=5000)
    response = place(citizen, [(product, 2)])
    assert response.status_code == 422, response.content
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == ("items.0.quantity", "max_value")
    product.refresh_from_db()
    assert product.stock == 5000


def test_order_whose_total_overflows_is_422(citizen, make_product, place):
    first = make_product(price=Decimal("6000000000.00"), stock=5)
    second = make_product(price=Decimal("6000000000.00"), stock=5)
    response = place(citizen, [(first, 1), (second, 1)])
    assert response.status_code == 422, response.content
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == ("items", "max_value")
    first.refresh_from_db()
    assert first.stock == 5


def test_checkout_of_an_overflowing_cart_is_422_and_keeps_the_cart(citizen, client_for, make_product):
    product = make_product(price=MAX_PRICE, stock=5000)
    client = client_for(citizen)
    client.post("/api/v1/cart/items", {"product_id": product.pk, "quantity": 3}, format="json")
    response = client.post("/api/v1/checkout", {"payment_method": "pm_card_visa"}, format="json")
    assert response.status_code == 422, response.content
    assert len(client.get("/api/v1/cart").json()["items"]) == 1


@pytest.mark.parametrize("action", ["cancel", "reject"])
def test_releasing_stock_at_the_integer_maximum_caps_it(citizen, clerk_client, client_for, make_product, place, action):
    product = make_product(stock=5)
    order = place(citizen, [(product, 5)]).json()
    assert clerk_client.patch(f"/api/v1/products/{product.pk}", {"stock": 2**31 - 1}, format="json").status_code == 200
    response = clerk_client.post(f"/api/v1/orders/{order['id']}/{action}")
    assert response.status_code == 200, response.content
    product.refresh_from_db()
    assert product.stock == 2**31 - 1


def test_an_order_exactly_at_the_columns_maximum_is_placed(citizen, make_product, place):
    """The limit is the column's own: a line and a total of exactly 9,999,999,999.99 are stored."""
    product = make_product(price=MAX_PRICE, stock=5)
    response = place(citizen, [(product, 1)])
    assert response.status_code == 201, response.content
    assert response.json()["total"] == "9999999999.99"
