"""Carts in the admin, for support: read-only (customers change their cart through the API)."""

from __future__ import annotations

from django.contrib import admin

from core.adminkit import ReadOnlyAdmin, ReadOnlyInline
from orders.models import Cart, CartItem


class CartItemInline(ReadOnlyInline):
    model = CartItem
    fields = readonly_fields = ("product", "quantity", "added_at")


@admin.register(Cart)
class CartAdmin(ReadOnlyAdmin):
    """For support: what a customer has in the cart (customers change it through the API)."""

    list_display = ["id", "user", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    fields = readonly_fields = ("user", "created_at", "updated_at")
    inlines = [CartItemInline]
