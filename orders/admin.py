"""Catalog, orders and payments in the admin.

Every write goes through ``orders.services`` / ``orders.payments.services`` (locks, stock release,
refunds at the provider, audit and events); the admin adds list screens whose query count does
not grow with their rows, and actions that report row by row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.adminkit import ActionsOnlyAdmin, TalliedPaginator, badge, describe_refusal, register_colours, run_per_row
from core.exceptions import ApplicationError
from core.exports import Column
from core.search import unaccent_search
from events.exports import AuditedExportMixin
from orders import services
from orders.models import Cart, CartItem, Category, Order, OrderItem, OrderStatus, Payment, PaymentStatus, Product
from orders.payments import services as payment_services
from orders.workflow import TRANSITIONS

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
    label = choices(status).label if status in choices.values else status
    return badge("status", status, label, STATUS_COLOURS.get(status))


def _refunded(count: int) -> str:
    return ngettext("%(count)d payment refunded", "%(count)d payments refunded", count) % {"count": count}


class ServiceErrorsAsMessages:
    """A refusal from a service inside the change form becomes a message, never a 500."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc]
        except ApplicationError as exc:
            self.message_user(request, describe_refusal(exc), messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().delete_view(request, *args, **kwargs)  # type: ignore[misc]
        except ApplicationError as exc:
            self.message_user(request, describe_refusal(exc), messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.get_full_path().rsplit("delete/", 1)[0] + "change/")


# --- catalog -------------------------------------------------------------------------------------
@admin.register(Category)
class CategoryAdmin(ServiceErrorsAsMessages, admin.ModelAdmin):
    list_display = ["name", "slug", "products_count", "updated_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        products = Product.objects.filter(category=OuterRef("pk")).order_by().values("category").annotate(n=Count("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(products_count=Coalesce(Subquery(products.values("n"), output_field=IntegerField()), 0))
        )

    @admin.display(description=gettext_lazy("products"), ordering="products_count")
    def products_count(self, category: Category) -> int:
        return category.products_count  # type: ignore[attr-defined]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in ("name", "slug")}
        if change:
            services.update_category(actor=request.user, category_id=obj.pk, fields=fields)
        else:
            obj.pk = services.create_category(actor=request.user, fields=fields).pk
            obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        services.delete_category(actor=request.user, category_id=obj.pk)


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "category", "price", "currency", "stock", "active"]

    def clean_stock(self) -> int:
        # The database refuses negative stock (orders_product_stock_non_negative); say so politely.
        stock: int = self.cleaned_data["stock"]
        if stock is not None and stock < 0:
            raise forms.ValidationError(_("Stock cannot be negative."), code="min_value")
        return stock

    def clean_price(self) -> Any:
        price = self.cleaned_data["price"]
        if price is not None and price < 0:
            raise forms.ValidationError(_("Price cannot be negative."), code="min_value")
        return price


@admin.register(Product)
class ProductAdmin(ServiceErrorsAsMessages, admin.ModelAdmin):
    form = ProductForm
    list_display = ["name", "category", "price", "currency", "stock", "active", "updated_at"]
    list_editable = ["stock", "active"]
    list_filter = ["active", "category"]
    list_select_related = ["category"]
    search_fields = ["name"]
    autocomplete_fields = ["category"]
    ordering = ["name", "id"]

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> tuple[Any, bool]:
        # The API's search (trigram index), not Django's UPPER(name) LIKE that no index serves.
        return unaccent_search(queryset, search_term, ["name"]), False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> Any:
        # The list's stock edit gets the same friendly checks as the change form.
        kwargs.setdefault("form", ProductForm)
        return super().get_changelist_form(request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data if name in ProductForm.Meta.fields}
            services.update_product(actor=request.user, product_id=obj.pk, fields=fields)
        else:
            fields = {name: form.cleaned_data[name] for name in ProductForm.Meta.fields}
            obj.pk = services.create_product(actor=request.user, fields=fields).pk
            obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        services.delete_product(actor=request.user, product_id=obj.pk)


# --- orders --------------------------------------------------------------------------------------
class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    # Name and price as captured at order time; ``product_id`` rather than the product (no query per line).
    fields = readonly_fields = ("product_id", "name", "quantity", "unit_price", "line_total")


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = readonly_fields = (
        "id",
        "payment_status",
        "amount",
        "currency",
        "provider",
        "transaction_id",
        "failure_reason",
        "created_at",
    )

    @admin.display(description=gettext_lazy("status"))
    def payment_status(self, payment: Payment) -> str:
        return status_badge(payment.status, PaymentStatus)


def _order_action(action: str) -> Callable[..., None]:
    target = OrderStatus(TRANSITIONS[action].target)

    def run(modeladmin: OrderAdmin, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        rows = [(pk, _("order %(id)s") % {"id": pk}) for pk in queryset.order_by("pk").values_list("pk", flat=True)]
        run_per_row(
            modeladmin,
            request,
            rows,
            lambda pk: services.transition_order(actor=request.user, order_id=pk, action=action),
            done=lambda count: (
                ngettext("%(count)d order moved to %(status)s", "%(count)d orders moved to %(status)s", count)
                % {"count": count, "status": target.label}
            ),
        )

    run.__name__ = f"order_{action}"
    description = format_lazy(gettext_lazy("Mark selected orders as “{status}”"), status=target.label)
    return admin.action(description=description, permissions=["change"])(run)


@admin.register(Order)
class OrderAdmin(AuditedExportMixin, ActionsOnlyAdmin):
    paginator = TalliedPaginator
    export_columns = (
        Column(gettext_lazy("id"), "id", 10),
        Column(gettext_lazy("customer"), "user__username", 20),
        Column(gettext_lazy("email"), "user__email", 28),
        Column(gettext_lazy("status"), "status", 12),
        Column(gettext_lazy("total"), "total", 12),
        Column(gettext_lazy("currency"), "currency", 10),
        Column(gettext_lazy("items"), "items_count", 8),
        Column(gettext_lazy("shipping address"), "shipping_address", 40),
        Column(gettext_lazy("created at (UTC)"), "created_at", 20),
        Column(gettext_lazy("updated at (UTC)"), "updated_at", 20),
    )
    show_full_result_count = False  # a million orders: no second COUNT(*) of the whole table
    list_display = ["id", "status_display", "user", "total", "currency", "items_count", "created_at"]
    list_filter = ["status", "created_at", "currency"]
    list_select_related = ["user"]
    search_fields = ["=id", "user__username", "user__email", "shipping_address"]
    date_hierarchy = None
    ordering = ["-created_at", "-id"]
    fields = readonly_fields = (
        "user",
        "status_display",
        "total",
        "currency",
        "shipping_address",
        "version",
        "created_at",
        "updated_at",
    )
    inlines = [OrderItemInline, PaymentInline]
    actions = [*(_order_action(action) for action in TRANSITIONS), "refund_payments"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Order]:
        lines = OrderItem.objects.filter(order=OuterRef("pk")).order_by().values("order").annotate(n=Count("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(items_count=Coalesce(Subquery(lines.values("n"), output_field=IntegerField()), 0))
        )

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_display(self, order: Order) -> str:
        return status_badge(order.status)

    @admin.display(description=gettext_lazy("items"), ordering="items_count")
    def items_count(self, order: Order) -> int:
        return order.items_count  # type: ignore[attr-defined]

    @admin.action(description=gettext_lazy("Refund the succeeded payments of selected orders"), permissions=["change"])
    def refund_payments(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        payments = Payment.objects.filter(order__in=queryset, status=PaymentStatus.SUCCEEDED).order_by("pk")
        rows = [
            (pk, _("payment %(id)s (order %(order)s)") % {"id": pk, "order": order_id})
            for pk, order_id in payments.values_list("pk", "order_id")
        ]
        if not rows:
            self.message_user(request, _("None of the selected orders has a succeeded payment."), messages.WARNING)
            return
        run_per_row(
            self,
            request,
            rows,
            lambda pk: payment_services.refund_payment(actor=request.user, payment_id=pk),
            done=_refunded,
        )


@admin.register(Payment)
class PaymentAdmin(AuditedExportMixin, ActionsOnlyAdmin):
    """Read-only rows: charges and refunds happen at the provider, through the payment services."""

    export_columns = (
        Column(gettext_lazy("id"), "id", 10),
        Column(gettext_lazy("order"), "order_id", 10),
        Column(gettext_lazy("status"), "status", 12),
        Column(gettext_lazy("amount"), "amount", 12),
        Column(gettext_lazy("currency"), "currency", 10),
        Column(gettext_lazy("provider"), "provider", 12),
        Column(gettext_lazy("payment method"), "payment_method", 18),
        Column(gettext_lazy("transaction id"), "transaction_id", 24),
        Column(gettext_lazy("refund id"), "refund_id", 24),
        Column(gettext_lazy("failure reason"), "failure_reason", 30),
        Column(gettext_lazy("created at (UTC)"), "created_at", 20),
    )

    list_display = [
        "id",
        "order_id",
        "status_display",
        "amount",
        "currency",
        "provider",
        "transaction_id",
        "created_at",
    ]
    list_filter = ["status", "provider", "created_at"]
    search_fields = ["=id", "=order__id", "transaction_id"]
    ordering = ["-created_at", "-id"]
    fields = readonly_fields = (
        "order",
        "status",
        "amount",
        "currency",
        "provider",
        "payment_method",
        "transaction_id",
        "refund_id",
        "failure_reason",
        "created_at",
        "updated_at",
    )
    actions = ["refund"]

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_display(self, payment: Payment) -> str:
        return status_badge(payment.status, PaymentStatus)

    @admin.action(description=gettext_lazy("Refund selected payments"), permissions=["change"])
    def refund(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        rows = [(pk, _("payment %(id)s") % {"id": pk}) for pk in queryset.order_by("pk").values_list("pk", flat=True)]
        run_per_row(
            self,
            request,
            rows,
            lambda pk: payment_services.refund_payment(actor=request.user, payment_id=pk),
            done=_refunded,
        )


class CartItemInline(ReadOnlyInline):
    model = CartItem
    fields = readonly_fields = ("product", "quantity", "added_at")


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    """For support: what a customer has in the cart (customers change it through the API)."""

    list_display = ["id", "user", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    fields = readonly_fields = ("user", "created_at", "updated_at")
    inlines = [CartItemInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
