"""Catalog, orders and payments in the admin; importing the package registers them.

Every write goes through ``orders.services`` / ``orders.payments.services`` (locks, stock release,
refunds at the provider, audit and events); the admin adds list screens whose query count does
not grow with their rows, and actions that report row by row.
"""

from orders.admin.carts import CartAdmin, CartItemInline
from orders.admin.catalog import CategoryAdmin, ProductAdmin, ProductForm
from orders.admin.display import STATUS_COLOURS, status_badge
from orders.admin.orders import OrderAdmin, OrderItemInline, PaymentAdmin, PaymentInline

__all__ = [
    "STATUS_COLOURS",
    "CartAdmin",
    "CartItemInline",
    "CategoryAdmin",
    "OrderAdmin",
    "OrderItemInline",
    "PaymentAdmin",
    "PaymentInline",
    "ProductAdmin",
    "ProductForm",
    "status_badge",
]
