"""Inputs found by fuzzing (schemathesis) that used to answer 500."""

from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db

MAX_PRICE = Decimal("9999999999.99")  # numeric(12,2)


@pytest.mark.parametrize(
    "value",
    [
        "2000-01-01T00:00:09+21:11",  # Python accepts it, PostgreSQL refuses the displacement
        "2000-01-01T00:00:00-23:59",
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
    ],
)
@pytest.mark.parametrize("param", ["created_after", "created_before"])
def test_extreme_timezone_offsets_in_date_filters(clerk_client, param, value):
    response = clerk_client.get("/api/v1/orders", {param: value})
    assert response.status_code in (200, 422), response.content


def test_far_offset_is_compared_as_the_same_instant_in_utc(citizen, client_for, make_product, place):
    assert place(citizen, [(make_product(), 1)]).status_code == 201
    response = client_for(citizen).get("/api/v1/orders", {"created_after": "2000-01-01T00:00:00+21:11"})
    assert response.status_code == 200, response.content
    assert len(response.json()["data"]) == 1


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
    assert response.json()["errors"][0]["field"] == "items.0.quantity"
    product.refresh_from_db()
    assert product.stock == 5000


def test_order_whose_total_overflows_is_422(citizen, make_product, place):
    first = make_product(price=Decimal("6000000000.00"), stock=5)
    second = make_product(price=Decimal("6000000000.00"), stock=5)
    response = place(citizen, [(first, 1), (second, 1)])
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "items"
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
