"""Every write of the catalog, the cart and the orders: one transaction each, locks where state changes."""

from orders.services.cart import add_to_cart, clear_cart, remove_from_cart, set_cart_quantity
from orders.services.catalog import (
    create_category,
    create_product,
    delete_category,
    delete_product,
    update_category,
    update_product,
)
from orders.services.ordering import (
    MAX_AMOUNT,
    MAX_STOCK,
    create_order,
    place_order,
    release_stock,
    set_order_status,
    transition_order,
)

__all__ = [
    "MAX_AMOUNT",
    "MAX_STOCK",
    "add_to_cart",
    "clear_cart",
    "create_category",
    "create_order",
    "create_product",
    "delete_category",
    "delete_product",
    "place_order",
    "release_stock",
    "remove_from_cart",
    "set_cart_quantity",
    "set_order_status",
    "transition_order",
    "update_category",
    "update_product",
]
