"""Writes of a user's cart: one transaction each, the cart row locked where lines merge."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import NotFound, ValidationFailed
from orders.models import MAX_QUANTITY, Cart, CartItem, Product


def _locked_cart(user: Any) -> Cart:
    cart, _created = Cart.objects.get_or_create(user=user)
    # Serialises concurrent edits of one cart (two tabs adding the same product).
    return Cart.objects.select_for_update().get(pk=cart.pk)


def _sellable(product_id: int, field: str = "product_id") -> Product:
    product = Product.objects.filter(pk=product_id, active=True).first()
    if product is None:
        raise ValidationFailed.field(field, _("Unknown or inactive product."), code="does_not_exist")
    return product


def add_to_cart(*, user: Any, product_id: int, quantity: int) -> None:
    """Add ``quantity`` of a product, merging with the line already in the cart."""
    with transaction.atomic():
        product = _sellable(product_id)
        cart = _locked_cart(user)
        item = CartItem.objects.filter(cart=cart, product=product).first()
        if item is None:
            CartItem.objects.create(cart=cart, product=product, quantity=quantity)
            return
        if item.quantity + quantity > MAX_QUANTITY:
            raise ValidationFailed.field(
                "quantity", _("The line would exceed %(maximum)d units.") % {"maximum": MAX_QUANTITY}, code="max_value"
            )
        item.quantity += quantity
        item.save(update_fields=["quantity"])


def set_cart_quantity(*, user: Any, product_id: int, quantity: int) -> None:
    """Replace the quantity of a line; ``404 Cart item not found`` when there is none."""
    with transaction.atomic():
        updated = CartItem.objects.filter(cart__user=user, product_id=product_id).update(quantity=quantity)
        if not updated:
            raise NotFound.for_resource("Cart item")


def remove_from_cart(*, user: Any, product_id: int) -> None:
    """Drop a line; ``404 Cart item not found`` when there is none."""
    with transaction.atomic():
        deleted, _by_model = CartItem.objects.filter(cart__user=user, product_id=product_id).delete()
        if not deleted:
            raise NotFound.for_resource("Cart item")


def clear_cart(*, user: Any) -> None:
    CartItem.objects.filter(cart__user=user).delete()
