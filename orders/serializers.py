"""Shapes of the catalog, cart and order resources (docs/api-guide.md#catalog-cart-orders)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext as _
from rest_framework import serializers

from core.fields import (
    BlankAsNullField,
    StrictBooleanField,
    StrictCharField,
    StrictDecimalField,
    StrictSlugField,
    StrictStringsModelSerializer,
)
from core.representation import FastRepresentation
from core.schema import ProblemSerializer
from orders.models import DEFAULT_CURRENCY, MAX_QUANTITY, Category, Order, OrderItem, Payment, Product

# Ids beyond a bigint are simply unknown: stop them here instead of in the database driver.
MAX_ID = 2**63 - 1
CURRENCY_REGEX = r"^[A-Z]{3}$"


class CategorySerializer(StrictStringsModelSerializer):
    slug = StrictSlugField(max_length=100, required=False)

    class Meta:
        model = Category
        fields = ["id", "name", "slug"]

    def validate_name(self, value: str) -> str:
        # Uniqueness (name case-insensitively, slug) is the service's 409 conflict, like every other duplicate.
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("This field may not be blank."), code="blank")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and not attrs.get("slug"):
            attrs["slug"] = unique_slug(attrs["name"])
        return attrs


def unique_slug(name: str) -> str:
    base = (slugify(name) or "category")[:90]
    slug, n = base, 1
    while Category.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class ProductSerializer(StrictStringsModelSerializer):
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), allow_null=True, required=False, pk_field=serializers.IntegerField()
    )
    price = StrictDecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    currency = serializers.RegexField(CURRENCY_REGEX, max_length=3, required=False, default=DEFAULT_CURRENCY)
    stock = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, default=0)
    active = StrictBooleanField(required=False, default=True)

    class Meta:
        model = Product
        fields = ["id", "name", "category", "price", "currency", "stock", "active"]


# --- cart --------------------------------------------------------------------------------------


class CartItemInSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class CartQuantitySerializer(serializers.Serializer):
    """``PATCH /cart/items/{product_id}``: the new quantity, required even though the method is PATCH."""

    whole_on_patch = True
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class LineSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    # A cart is computed, never stored: 1000 units of a product at the highest price go past
    # numeric(12,2). Checkout refuses such a cart (422); showing it must not fail.
    line_total = serializers.DecimalField(max_digits=None, decimal_places=2)


class CartSerializer(serializers.Serializer):
    items = LineSerializer(many=True)
    total = serializers.DecimalField(max_digits=None, decimal_places=2)
    currency = serializers.CharField()


# --- orders ------------------------------------------------------------------------------------


class OrderItemInSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class OrderCreateSerializer(serializers.Serializer):
    items = OrderItemInSerializer(many=True, allow_empty=False, max_length=100)
    shipping_address = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class OrderItemSerializer(FastRepresentation, serializers.ModelSerializer):
    product_id = serializers.IntegerField()

    class Meta:
        model = OrderItem
        fields = ["product_id", "name", "quantity", "unit_price", "line_total"]


class PaymentSerializer(FastRepresentation, serializers.ModelSerializer):
    order_id = serializers.IntegerField(read_only=True)
    transaction_id = BlankAsNullField()
    failure_reason = BlankAsNullField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "order_id",
            "amount",
            "currency",
            "status",
            "transaction_id",
            "provider",
            "failure_reason",
            "created_at",
        ]
        read_only_fields = fields


class OrderSerializer(FastRepresentation, serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    items = OrderItemSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "user",
            "status",
            "items",
            "total",
            "currency",
            "shipping_address",
            "payments",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- payments and checkout ---------------------------------------------------------------------


class ReferenceIdField(serializers.IntegerField):
    """An id in a body that names another resource. JSON integers past 64 bits arrive as
    integral floats (``1e+20``); they are ids all the same, just of nothing that exists."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, float) and data.is_integer():
            return int(data)
        return super().to_internal_value(data)


class PaymentCreateSerializer(serializers.Serializer):
    # No max_value: an order id beyond any column's range is an unknown order (404), not a 422.
    order_id = ReferenceIdField(min_value=1)
    payment_method = StrictCharField(max_length=100)
    # ``null`` is the same as leaving the field out: "charge whatever the order costs".
    amount = StrictDecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    currency = serializers.RegexField(CURRENCY_REGEX, max_length=3, required=False, allow_null=True)


class CheckoutSerializer(serializers.Serializer):
    payment_method = StrictCharField(max_length=100)
    shipping_address = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class CheckoutResultSerializer(serializers.Serializer):
    order_id = serializers.IntegerField()
    order = OrderSerializer()
    payment = PaymentSerializer()


class PaymentProblemSerializer(ProblemSerializer):
    """402/502 of a charge: the problem plus the failed payment."""

    payment = PaymentSerializer()
    order_id = serializers.IntegerField(required=False)
