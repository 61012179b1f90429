"""Writes of orders: placing one (stock reserved in product-id order), releasing stock, workflow steps."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext as _

from accounts.permissions import is_staff_user
from core.etag import ensure_version
from core.exceptions import InsufficientStock, InvalidTransition, PermissionDeniedError, ValidationFailed
from core.versioned_writes import lock_versioned, save_versioned
from events.services import record
from orders.models import Order, OrderItem, Product
from orders.payloads import order_payload
from orders.payments.refunds import refund_order_payments
from orders.workflow import RELEASING_STATUSES, TRANSITIONS, allowed_actions, may_take

# numeric(12,2): line totals and order totals beyond it would fail in the database (500).
MAX_AMOUNT = Decimal("9999999999.99")
MAX_STOCK = 2**31 - 1  # Product.stock is an integer column


def _ensure_storable_amounts(lines: list[OrderItem], total: Decimal) -> None:
    """Refuse (422) an order whose line totals or total do not fit the money columns."""
    errors = [
        {
            "field": f"items.{index}.quantity",
            "message": _("The line total may not exceed %(maximum)s.") % {"maximum": MAX_AMOUNT},
            "code": "max_value",
        }
        for index, line in enumerate(lines)
        if line.line_total > MAX_AMOUNT
    ]
    if not errors and total > MAX_AMOUNT:
        message = _("The order total may not exceed %(maximum)s.") % {"maximum": MAX_AMOUNT}
        errors = [{"field": "items", "message": message, "code": "max_value"}]
    if errors:
        raise ValidationFailed(f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)


def place_order(*, user: Any, items: list[dict[str, Any]], shipping_address: str = "") -> Order:
    """Reserve stock and write an order in ``pending``; the caller owns the transaction.

    Products are locked in id order, whatever the order of the items, so two orders over the
    same products queue up instead of deadlocking, and the stock read under the lock is the
    stock we decrement: no oversell.
    """
    wanted: dict[int, int] = defaultdict(int)
    for item in items:
        wanted[item["product_id"]] += item["quantity"]
    products = {
        product.pk: product
        for product in Product.objects.select_for_update().filter(pk__in=sorted(wanted)).order_by("pk")
    }
    errors = [
        {"field": f"items.{index}.product_id", "message": _("Unknown or inactive product."), "code": "does_not_exist"}
        for index, item in enumerate(items)
        if item["product_id"] not in products or not products[item["product_id"]].active
    ]
    if errors:
        raise ValidationFailed(f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)
    currencies = {product.currency for product in products.values()}
    if len(currencies) > 1:
        raise ValidationFailed.field("items", _("All products of an order must share one currency."))
    short = [
        {
            "field": f"items.{index}.quantity",
            "message": _("Only %(stock)d left of %(name)s.")
            % {"stock": products[item["product_id"]].stock, "name": products[item["product_id"]].name},
            "code": "insufficient_stock",
        }
        for index, item in enumerate(items)
        if products[item["product_id"]].stock < wanted[item["product_id"]]
    ]
    if short:
        raise InsufficientStock(_("Not enough stock: %(detail)s") % {"detail": short[0]["message"]}, errors=short)
    lines = [
        OrderItem(
            product=products[item["product_id"]],
            name=products[item["product_id"]].name,
            quantity=item["quantity"],
            unit_price=products[item["product_id"]].price,
            line_total=products[item["product_id"]].price * item["quantity"],
        )
        for item in items
    ]
    total = sum((line.line_total for line in lines), Decimal("0.00"))
    _ensure_storable_amounts(lines, total)
    for product_id, quantity in wanted.items():
        Product.objects.filter(pk=product_id).update(stock=F("stock") - quantity, version=F("version") + 1)

    order = Order.objects.create(
        user=user,
        currency=currencies.pop(),
        shipping_address=shipping_address or "",
        total=total,
    )
    for line in lines:
        line.order = order
    OrderItem.objects.bulk_create(lines)
    data = order_payload(order)
    record(
        actor=user,
        entity_type="order",
        entity_id=order.pk,
        action="create",
        changes={"status": [None, order.status], "total": [None, data["total"]]},
        event_type="order.created",
        data=data,
    )
    return order


def create_order(*, user: Any, items: list[dict[str, Any]], shipping_address: str = "") -> Order:
    """``POST /orders``: a ``pending`` order with its stock reserved, all or nothing."""
    with transaction.atomic():
        return place_order(user=user, items=items, shipping_address=shipping_address)


def release_stock(order: Order) -> None:
    """Give an order's reserved units back, locking products in id order like reservation does."""
    returned: dict[int, int] = defaultdict(int)
    for product_id, quantity in order.items.values_list("product_id", "quantity"):
        returned[product_id] += quantity
    list(Product.objects.select_for_update().filter(pk__in=sorted(returned)).order_by("pk").values_list("pk"))
    for product_id, quantity in sorted(returned.items()):
        # Staff may have raised the stock to the column's maximum meanwhile; overflowing it made the
        # cancellation (or rejection) a 500, and a release must always succeed.
        Product.objects.filter(pk=product_id).update(
            stock=Case(When(stock__gt=MAX_STOCK - quantity, then=Value(MAX_STOCK)), default=F("stock") + quantity),
            version=F("version") + 1,
        )


def _status(order: Order) -> dict[str, Any]:
    return {"status": order.status}


def _save_status(order: Order) -> None:
    order.save(update_fields=["status", "version", "updated_at"])


def set_order_status(*, order: Order, status: str, actor: Any) -> None:
    """Write a status change of a locked order, with its audit and ``order.<status>`` event."""
    old = order.status
    save_versioned(order, {"status": status}, represent=_status, save=_save_status, force=True)
    if status in RELEASING_STATUSES:
        release_stock(order)
    record(
        actor=actor,
        entity_type="order",
        entity_id=order.pk,
        action="transition",
        changes={"status": [old, status]},
        event_type=f"order.{status}",
        data={**order_payload(order), "from": old, "to": status},
    )


def transition_order(*, actor: Any, order_id: int, action: str, expected_versions: set[int] | None = None) -> Order:
    """Take a workflow step (see ``orders.workflow.TRANSITIONS``) on a locked order.

    Role first (403), then state (409, judged under the lock, so of two racing steps the loser
    sees the winner's state), then ``If-Match`` (412).
    """
    step = TRANSITIONS.get(action)
    with transaction.atomic():
        # If-Match is judged last (below), after the role and the state.
        order = lock_versioned(Order.objects, order_id)
        is_staff = is_staff_user(actor)
        is_owner = order.user_id == actor.pk
        if step is None:
            # Not in the table at all: "anything else" of docs/api-guide.md#order-workflow, judged like any other step.
            raise InvalidTransition(
                _("Cannot %(action)s an order: no such action") % {"action": action},
                allowed=allowed_actions(order.status, is_staff=is_staff, is_owner=is_owner),
                field="action",
            )
        if not may_take(step.who, is_staff=is_staff, is_owner=is_owner):
            raise PermissionDeniedError(_("Only staff may %(action)s an order.") % {"action": action})
        if order.status not in step.sources:
            raise InvalidTransition(
                _("Cannot %(action)s an order that is %(status)s") % {"action": action, "status": order.status},
                allowed=allowed_actions(order.status, is_staff=is_staff, is_owner=is_owner),
                field="action",
            )
        ensure_version(order.version, expected_versions)
        set_order_status(order=order, status=step.target, actor=actor)
    if step.target in RELEASING_STATUSES:
        # Money goes back after the status change has committed: the provider is never called
        # under a lock.
        refund_order_payments(actor=actor, order_id=order.pk)
    return order
