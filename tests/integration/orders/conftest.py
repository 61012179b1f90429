"""Catalog fixtures for the orders tests: products and categories built directly in the database
(model-bakery recipes, tests/support/recipes.py)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import pytest

from tests.support import recipes


@pytest.fixture
def make_category(db: None) -> Callable[..., Any]:
    """``make_category(**fields)``: the ``category`` recipe, named ``Category 1``, ``2``... in this test."""
    numbers = count(1)

    def factory(**fields: Any) -> Any:
        n = next(numbers)
        fields.setdefault("name", f"Category {n}")
        fields.setdefault("slug", f"category-{n}")
        return recipes.category.make(**fields)

    return factory


@pytest.fixture
def make_product(db: None) -> Callable[..., Any]:
    """``make_product(**fields)``: the ``product`` recipe, named ``Product 1``, ``2``... in this test."""
    numbers = count(1)

    def factory(**fields: Any) -> Any:
        fields.setdefault("name", f"Product {next(numbers)}")
        return recipes.product.make(**fields)

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
