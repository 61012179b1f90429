"""What the orders app's audit trail and events carry: the API representation of each resource.

Services build payloads here and never import serializers (the API's shapes live there).
"""

from __future__ import annotations

from typing import Any

from core.representation import api_data
from orders import selectors
from orders.models import Category, Order, Payment, Product
from orders.serializers import CategorySerializer, OrderSerializer, PaymentSerializer, ProductSerializer


def _without_id(data: dict[str, Any]) -> dict[str, Any]:
    data.pop("id", None)
    return data


def category_payload(category: Category) -> dict[str, Any]:
    """The category's fields as the API shows them, without ``id`` (audited as changes)."""
    return _without_id(api_data(CategorySerializer(category)))


def product_payload(product: Product) -> dict[str, Any]:
    """The product's fields as the API shows them, without ``id`` (audited as changes)."""
    return _without_id(api_data(ProductSerializer(product)))


def order_payload(order: Order) -> dict[str, Any]:
    """The order's API representation, as events carry it."""
    return api_data(OrderSerializer(selectors.order_with_lines(order.pk)))


def payment_payload(payment: Payment) -> dict[str, Any]:
    """The payment's API representation, as events and 402/502 bodies carry it."""
    return api_data(PaymentSerializer(payment))
