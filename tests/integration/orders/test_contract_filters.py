"""docs/api-guide.md#pagination and docs/api-guide.md#catalog-cart-orders: list filters refuse bad values with 422 instead of ignoring or truncating them."""

from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(make_product, make_category):
    category = make_category()
    return {
        "category": category,
        "cheap": make_product(category=category, price=Decimal("5.00")),
        "mid": make_product(category=category, price=Decimal("7.50")),
        "hidden": make_product(category=category, price=Decimal("10.00"), active=False),
    }


def prices(response):
    assert response.status_code == 200, response.content
    return sorted(item["price"] for item in response.json()["data"])


def test_price_bounds_are_inclusive(api_client, catalog):
    assert prices(api_client.get("/api/v1/products?min_price=5&max_price=7.50")) == ["5.00", "7.50"]
    assert prices(api_client.get("/api/v1/products?min_price=7.5")) == ["10.00", "7.50"]
    assert prices(api_client.get("/api/v1/products?max_price=4.99")) == []


@pytest.mark.parametrize("value", ["true", "True", "1"])
def test_active_accepts_true_spellings(api_client, catalog, value):
    assert prices(api_client.get(f"/api/v1/products?active={value}")) == ["5.00", "7.50"]


@pytest.mark.parametrize("value", ["false", "False", "0"])
def test_active_accepts_false_spellings(api_client, catalog, value):
    assert prices(api_client.get(f"/api/v1/products?active={value}")) == ["10.00"]


@pytest.mark.parametrize(
    "query",
    [
        "active=maybe",
        "active=yes",
        "category=1.5",
        "category=abc",
        "min_price=abc",
        "max_price=NaN",
        "min_price=Infinity",
    ],
)
def test_bad_product_filter_values_are_422(api_client, catalog, query):
    response = api_client.get(f"/api/v1/products?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == query.split("=")[0]


def test_category_filter_and_out_of_range_ids(api_client, catalog):
    category = catalog["category"]
    assert len(prices(api_client.get(f"/api/v1/products?category={category.pk}"))) == 3
    assert prices(api_client.get("/api/v1/products?category=99999999999999999999")) == []
    assert prices(api_client.get(f"/api/v1/products?category={10**60}")) == []


@pytest.mark.parametrize("query", ["user=1.5", "user=x", "status=lost", "created_after=yesterday"])
def test_bad_order_filter_values_are_422(clerk_client, query):
    response = clerk_client.get(f"/api/v1/orders?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == query.split("=")[0]


def test_order_user_filter_beyond_range_is_empty(clerk_client, citizen, make_product, place):
    place(citizen, [(make_product(), 1)])
    assert clerk_client.get(f"/api/v1/orders?user={citizen.pk}").json()["total"] == 1
    assert clerk_client.get("/api/v1/orders?user=99999999999999999999").json()["total"] == 0


@pytest.mark.parametrize("query", ["order=1.5", "order=x", "status=lost"])
def test_bad_payment_filter_values_are_422(citizen_client, query):
    response = citizen_client.get(f"/api/v1/payments?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == query.split("=")[0]
