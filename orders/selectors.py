"""Reads shared by views and services, with the joins they need."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from accounts.permissions import is_staff_user
from orders.models import DEFAULT_CURRENCY, CartItem, Category, Order, Payment, Product


def categories() -> QuerySet[Category]:
    return Category.objects.all()


def products() -> QuerySet[Product]:
    return Product.objects.all()


def orders_for(user: Any) -> QuerySet[Order]:
    """Orders the caller may see: staff all, citizens their own."""
    queryset = Order.objects.prefetch_related("items", "payments")
    if not is_staff_user(user):
        queryset = queryset.filter(user_id=user.pk)
    return queryset


def order_with_lines(order_id: int) -> Order:
    return Order.objects.prefetch_related("items", "payments").get(pk=order_id)


def payments_for(user: Any) -> QuerySet[Payment]:
    """Payments the caller may see: staff all, citizens those of their own orders."""
    queryset = Payment.objects.all()
    if not is_staff_user(user):
        queryset = queryset.filter(order__user_id=user.pk)
    return queryset


def cart_items(user: Any) -> QuerySet[CartItem]:
    return CartItem.objects.filter(cart__user_id=user.pk).select_related("product").order_by("added_at", "id")


def cart_representation(user: Any) -> dict[str, Any]:
    """``{items, total, currency}`` at today's prices."""
    lines = []
    total = Decimal("0.00")
    currency = DEFAULT_CURRENCY
    for index, item in enumerate(cart_items(user)):
        line_total = item.product.price * item.quantity
        total += line_total
        if index == 0:
            currency = item.product.currency
        lines.append(
            {
                "product_id": item.product_id,
                "name": item.product.name,
                "quantity": item.quantity,
                "unit_price": item.product.price,
                "line_total": line_total,
            }
        )
    return {"items": lines, "total": total, "currency": currency}
