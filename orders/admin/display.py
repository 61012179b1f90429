"""How orders and payments read in the admin: their status badges."""

from __future__ import annotations

from core.adminkit import choice_badge, register_colours
from orders.models import OrderStatus, PaymentStatus

STATUS_COLOURS: dict[str, str] = {
    OrderStatus.PENDING: "#6c757d",
    OrderStatus.CONFIRMED: "#0d6efd",
    OrderStatus.APPROVED: "#198754",
    OrderStatus.REJECTED: "#dc3545",
    OrderStatus.SHIPPED: "#6f42c1",
    OrderStatus.DELIVERED: "#146c43",
    OrderStatus.CANCELLED: "#343a40",
    PaymentStatus.SUCCEEDED: "#198754",
    PaymentStatus.FAILED: "#dc3545",
    PaymentStatus.REFUNDED: "#b35900",
}
register_colours(STATUS_COLOURS.values())


def status_badge(status: str, choices: type[OrderStatus] | type[PaymentStatus] = OrderStatus) -> str:
    """The status as a coloured pill with its label (an order's or, with ``PaymentStatus``, a payment's)."""
    return choice_badge("status", choices, status, STATUS_COLOURS)
