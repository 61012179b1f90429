"""Every write of the catalog, the cart and the orders: one transaction each, locks where state changes."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, F, ProtectedError, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import is_staff_user
from core.etag import ensure_version
from core.exceptions import (
    Conflict,
    HasDependents,
    InsufficientStock,
    InvalidTransition,
    NotFound,
    PermissionDeniedError,
    ValidationFailed,
)
from core.representation import api_data
from events.services import diff, record
from orders import selectors
from orders.models import Cart, CartItem, Category, Order, OrderItem, Product
from orders.serializers import MAX_QUANTITY, CategorySerializer, OrderSerializer, ProductSerializer
from orders.workflow import RELEASING_STATUSES, TRANSITIONS, allowed_actions, may_take

# --- catalog -----------------------------------------------------------------------------------


def _fields(obj: Any, serializer: type) -> dict[str, Any]:
    data = api_data(serializer(obj))
    data.pop("id", None)
    return data


_CATEGORY_TAKEN = {
    "name": gettext_lazy("A category with this name already exists."),
    "slug": gettext_lazy("A category with this slug already exists."),
}


def _category_clash(*, name: str | None, slug: str | None, exclude: int | None = None) -> Conflict | None:
    """The ``409 conflict`` for a name (case-insensitive) or slug another category already holds."""
    others = Category.objects.exclude(pk=exclude) if exclude is not None else Category.objects.all()
    errors = []
    if name is not None and others.filter(name__iexact=name).exists():
        errors.append({"field": "name", "message": str(_CATEGORY_TAKEN["name"]), "code": "unique"})
    if slug is not None and others.filter(slug=slug).exists():
        errors.append({"field": "slug", "message": str(_CATEGORY_TAKEN["slug"]), "code": "unique"})
    if not errors:
        return None
    return Conflict(f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)


def _category_integrity_conflict(exc: IntegrityError) -> Conflict:
    # A concurrent writer took the value between our check and the insert: same answer as the check.
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) or ""
    field = "slug" if "slug" in constraint else "name"
    message = str(_CATEGORY_TAKEN[field])
    return Conflict(f"{field}: {message}", errors=[{"field": field, "message": message, "code": "unique"}])


def create_category(*, actor: Any, data: dict[str, Any]) -> Category:
    """Create a category; a name (case-insensitively) or slug already taken is ``409 conflict``."""
    clash = _category_clash(name=data.get("name"), slug=data.get("slug"))
    if clash is not None:
        raise clash
    try:
        with transaction.atomic():
            category = Category.objects.create(**data)
            after = _fields(category, CategorySerializer)
            record(
                actor=actor,
                entity_type="category",
                entity_id=category.pk,
                action="create",
                changes=diff({}, after),
            )
    except IntegrityError as exc:
        raise _category_integrity_conflict(exc) from None
    return category


def update_category(*, actor: Any, category_id: int, data: dict[str, Any], expected: set[int] | None) -> Category:
    """Change a category under its row lock, honouring ``If-Match``; taking another's name or slug is ``409``."""
    try:
        with transaction.atomic():
            category = Category.objects.select_for_update().get(pk=category_id)
            ensure_version(category.version, expected)
            clash = _category_clash(name=data.get("name"), slug=data.get("slug"), exclude=category.pk)
            if clash is not None:
                raise clash
            before = _fields(category, CategorySerializer)
            for name, value in data.items():
                setattr(category, name, value)
            after = _fields(category, CategorySerializer)
            changes = diff(before, after)
            if changes:
                category.version += 1
                category.save()
                record(actor=actor, entity_type="category", entity_id=category.pk, action="update", changes=changes)
    except IntegrityError as exc:
        raise _category_integrity_conflict(exc) from None
    return category


def delete_category(*, actor: Any, category_id: int, expected: set[int] | None) -> None:
    """Delete a category; ``409 has_dependents`` while products use it."""
    with transaction.atomic():
        category = Category.objects.select_for_update().get(pk=category_id)
        ensure_version(category.version, expected)
        before = _fields(category, CategorySerializer)
        try:
            with transaction.atomic():
                category.delete()
        except ProtectedError:
            raise HasDependents(_("The category still has products"))
        record(actor=actor, entity_type="category", entity_id=category_id, action="delete", changes=diff(before, {}))


def create_product(*, actor: Any, data: dict[str, Any]) -> Product:
    """Add a product to the catalog."""
    with transaction.atomic():
        product = Product.objects.create(**data)
        record(
            actor=actor,
            entity_type="product",
            entity_id=product.pk,
            action="create",
            changes=diff({}, _fields(product, ProductSerializer)),
        )
    return product


def update_product(*, actor: Any, product_id: int, data: dict[str, Any], expected: set[int] | None) -> Product:
    """Change a product under its row lock (the same lock orders take to reserve stock)."""
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product_id)
        ensure_version(product.version, expected)
        before = _fields(product, ProductSerializer)
        for name, value in data.items():
            setattr(product, name, value)
        changes = diff(before, _fields(product, ProductSerializer))
        if changes:
            product.version += 1
            product.save()
            record(actor=actor, entity_type="product", entity_id=product.pk, action="update", changes=changes)
    return product


def delete_product(*, actor: Any, product_id: int, expected: set[int] | None) -> None:
    """Delete a product; ``409 has_dependents`` once it appears in an order."""
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product_id)
        ensure_version(product.version, expected)
        before = _fields(product, ProductSerializer)
        try:
            with transaction.atomic():
                product.delete()
        except ProtectedError:
            raise HasDependents(_("The product appears in orders"))
        record(actor=actor, entity_type="product", entity_id=product_id, action="delete", changes=diff(before, {}))


# --- cart --------------------------------------------------------------------------------------


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


# --- orders ------------------------------------------------------------------------------------


def order_data(order: Order) -> dict[str, Any]:
    """The order's API representation, as events carry it."""
    return api_data(OrderSerializer(selectors.order_with_lines(order.pk)))


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
    data = order_data(order)
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


def set_order_status(*, order: Order, status: str, actor: Any) -> None:
    """Write a status change of a locked order, with its audit and ``order.<status>`` event."""
    old = order.status
    order.status = status
    order.version += 1
    order.save(update_fields=["status", "version", "updated_at"])
    if status in RELEASING_STATUSES:
        release_stock(order)
    record(
        actor=actor,
        entity_type="order",
        entity_id=order.pk,
        action="transition",
        changes={"status": [old, status]},
        event_type=f"order.{status}",
        data={**order_data(order), "from": old, "to": status},
    )


def transition_order(*, actor: Any, order_id: int, action: str, expected: set[int] | None = None) -> Order:
    """Take a workflow step (see ``orders.workflow.TRANSITIONS``) on a locked order.

    Role first (403), then state (409, judged under the lock, so of two racing steps the loser
    sees the winner's state), then ``If-Match`` (412).
    """
    step = TRANSITIONS.get(action)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        is_staff = is_staff_user(actor)
        is_owner = order.user_id == actor.pk
        if step is None:
            # Not in the table at all: "anything else" of docs/api-guide.md#order-workflow, judged like any other step.
            raise InvalidTransition(
                _("Cannot %(action)s an order: no such action") % {"action": action},
                allowed=allowed_actions(order.status, is_staff=is_staff, is_owner=is_owner),
                field="action",
            )
        if not may_take(step, is_staff=is_staff, is_owner=is_owner):
            raise PermissionDeniedError(_("Only staff may %(action)s an order.") % {"action": action})
        if order.status not in step.sources:
            raise InvalidTransition(
                _("Cannot %(action)s an order that is %(status)s") % {"action": action, "status": order.status},
                allowed=allowed_actions(order.status, is_staff=is_staff, is_owner=is_owner),
                field="action",
            )
        ensure_version(order.version, expected)
        set_order_status(order=order, status=step.target, actor=actor)
    if step.target in RELEASING_STATUSES:
        # Money goes back after the status change has committed: the provider is never called
        # under a lock. Imported here because the payment services build on this module.
        from orders.payments.services import refund_order_payments

        refund_order_payments(actor=actor, order_id=order.pk)
    return order
