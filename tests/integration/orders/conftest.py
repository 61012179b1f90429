"""Catalog fixtures for the orders tests: products and categories built directly in the database."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest


@pytest.fixture
def make_category(db: None) -> Callable[..., Any]:
    from orders.models import Category

    counter = {"n": 0}

    def factory(**fields: Any) -> Any:
        counter["n"] += 1
        fields.setdefault("name", f"Category {counter['n']}")
        fields.setdefault("slug", f"category-{counter['n']}")
        return Category.objects.create(**fields)

    return factory


@pytest.fixture
def make_product(db: None) -> Callable[..., Any]:
    from orders.models import Product

    counter = {"n": 0}

    def factory(**fields: Any) -> Any:
        counter["n"] += 1
        fields.setdefault("name", f"Product {counter['n']}")
        fields.setdefault("price", Decimal("10.00"))
        fields.setdefault("stock", 10)
        return Product.objects.create(**fields)

    return factory


@pytest.fixture
def place(client_for: Callable[[Any], Any]) -> Callable[..., Any]:
    """``place(user, [(product, qty), ...])`` -> the ``POST /orders`` response."""

    def factory(user: Any, lines: list[tuple[Any, int]], **extra: Any) -> Any:
        body = {"items": [{"product_id": product.pk, "quantity": qty} for product, qty in lines], **extra}
        return client_for(user).post("/api/v1/orders", body, format="json")

    return factory


@pytest.fixture(autouse=True)
def sandbox_provider(settings: Any) -> Any:
    """The in-process provider, emptied for each test; ``sandbox_provider.calls`` lists requests."""
    from orders.payments import sandbox

    settings.PAYMENT_PROVIDER = "fake"
    sandbox.reset()
    yield sandbox
    sandbox.reset()


@pytest.fixture
def fill_cart(client_for: Callable[[Any], Any]) -> Callable[..., Any]:
    def factory(user: Any, lines: list[tuple[Any, int]]) -> None:
        client = client_for(user)
        for product, qty in lines:
            response = client.post("/api/v1/cart/items", {"product_id": product.pk, "quantity": qty}, format="json")
            assert response.status_code == 201, response.content

    return factory
