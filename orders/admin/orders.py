"""Orders and payments in the admin: read-only rows that change through their actions, which call
``orders.services`` and ``orders.payments.services`` (locks, stock release, refunds at the
provider, audit and events) and report row by row."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.adminkit import ActionsOnlyAdmin, ReadOnlyInline, TalliedPaginator, count_of, run_per_row
from core.exports import Column
from events.exports import AuditedExportMixin
from orders import services
from orders.admin.display import status_badge
from orders.models import Order, OrderItem, OrderStatus, Payment, PaymentStatus
from orders.payments import services as payment_services
from orders.workflow import TRANSITIONS


def _refunded(count: int) -> str:
    return ngettext("%(count)d payment refunded", "%(count)d payments refunded", count) % {"count": count}


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
        return super().get_queryset(request).annotate(items_count=count_of(OrderItem.objects.all(), "order"))

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
