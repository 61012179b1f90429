"""Catalog, cart and orders (docs/api-guide.md#catalog-cart-orders)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, VersionedModel
from core.search import trigram_index

DEFAULT_CURRENCY = "EUR"
MAX_QUANTITY = 1000  # units of one product in a cart line or an order line


class Category(VersionedModel):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [models.UniqueConstraint(Lower("name"), name="orders_category_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class Product(VersionedModel):
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="products",
        null=True,
        blank=True,
        verbose_name=_("category"),
    )
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    stock = models.IntegerField(_("stock"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The last line of defence against overselling: no code path can push stock below zero.
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="orders_product_stock_non_negative"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="orders_product_price_non_negative"),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="orders_product_created"),
            models.Index(fields=["price", "id"], name="orders_product_price"),
            models.Index(fields=["name", "id"], name="orders_product_name"),
            trigram_index("name", "orders_product_name_trgm"),
        ]

    def __str__(self) -> str:
        return self.name


class Cart(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart", verbose_name=_("user")
    )

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")

    def __str__(self) -> str:
        return f"cart of {self.user_id}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items", verbose_name=_("cart"))
    # A product leaving the catalog just leaves the carts; orders keep it (PROTECT on OrderItem).
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="cart_items", verbose_name=_("product"))
    quantity = models.PositiveIntegerField(_("quantity"))
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("cart item")
        verbose_name_plural = _("cart items")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="orders_cartitem_one_line_per_product"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="orders_cartitem_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class Order(VersionedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    status = models.CharField(_("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    shipping_address = models.CharField(_("shipping address"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in OrderStatus]), name="orders_order_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="orders_order_user_created"),
            models.Index(fields=["-created_at", "-id"], name="orders_order_created"),
            # The reports' orders and revenue per week, from the index alone.
            models.Index(fields=["created_at"], include=["status", "total"], name="orders_order_created_revenue"),
            models.Index(fields=["status"], name="orders_order_status"),
            # ``?status=`` newest first, and the other orderings of the list.
            models.Index(fields=["status", "-created_at", "-id"], name="orders_order_status_created"),
            models.Index(fields=["-updated_at", "-id"], name="orders_order_updated"),
            models.Index(fields=["total", "id"], name="orders_order_total"),
            models.Index(fields=["status", "id"], name="orders_order_status_id"),
        ]

    def __str__(self) -> str:
        return f"order {self.pk} ({self.status})"


class OrderItem(models.Model):
    """A line with the product's name and price as they were when the order was placed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order"))
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="order_items", verbose_name=_("product")
    )
    name = models.CharField(_("name"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    line_total = models.DecimalField(_("line total"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="orders_orderitem_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    REFUNDED = "refunded", _("Refunded")


class Payment(TimeStampedModel):
    """One charge attempt at the provider.

    The row (with the ``idempotency_key`` sent to the provider on every attempt) is committed
    before the provider is called, and the key is unique: one key can never become two charges.
    At most one live (pending or succeeded) payment per order, enforced by the database.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments", verbose_name=_("order"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    status = models.CharField(_("status"), max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    provider = models.CharField(_("provider"), max_length=20)
    payment_method = models.CharField(_("payment method"), max_length=100)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    transaction_id = models.CharField(_("transaction id"), max_length=255, blank=True, default="")
    refund_id = models.CharField(_("refund id"), max_length=255, blank=True, default="")
    failure_reason = models.CharField(_("failure reason"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status__in=["pending", "succeeded"]),
                name="orders_payment_one_live_per_order",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in PaymentStatus]), name="orders_payment_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="orders_payment_created"),
            models.Index(fields=["status", "-created_at", "-id"], name="orders_payment_status_created"),
            models.Index(fields=["amount", "id"], name="orders_payment_amount"),
            models.Index(fields=["status", "id"], name="orders_payment_status_id"),
        ]

    def __str__(self) -> str:
        return f"payment {self.pk} ({self.status})"
