"""Charges and checkout (refunds: ``orders.payments.refunds``). The provider is always called OUTSIDE any transaction or lock:

tx1 writes the ``pending`` payment (and, for checkout, the order) with its idempotency key and
commits; the provider is called; tx2 records the outcome. A crash between the two leaves a
``pending`` payment whose key makes a retried provider call safe.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.exceptions import Conflict, InsufficientStock, PaymentDeclined, UpstreamError, ValidationFailed
from events.services import record
from orders import selectors
from orders import services as order_services
from orders.models import Order, OrderStatus, Payment, PaymentStatus
from orders.payloads import payment_payload
from orders.payments.provider import ProviderError, get_client, to_minor
from orders.payments.refunds import refund_payment as refund_payment  # the admin's and the API's refund
from orders.payments.refunds import refund_quietly

logger = logging.getLogger(__name__)

PAYABLE_STATUSES = frozenset({OrderStatus.PENDING, OrderStatus.CONFIRMED})


@dataclass(frozen=True)
class Outcome:
    succeeded: bool
    transaction_id: str = ""
    failure_reason: str = ""
    upstream_error: bool = False


def _new_payment(order: Order, payment_method: str, actor: Any) -> Payment:
    """The pending payment, audited, in the caller's transaction; the database refuses a second live one."""
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                order=order,
                amount=order.total,
                currency=order.currency,
                status=PaymentStatus.PENDING,
                provider=settings.PAYMENT_PROVIDER,
                payment_method=payment_method,
                idempotency_key=f"pay_{uuid.uuid4().hex}",
            )
    except IntegrityError:
        raise Conflict(_("A payment for this order is already in progress"))
    record(
        actor=actor,
        entity_type="payment",
        entity_id=payment.pk,
        action="create",
        changes={"status": [None, payment.status], "amount": [None, str(payment.amount)]},
    )
    return payment


def _charge_at_provider(payment: Payment) -> Outcome:
    """The one provider call of a charge; never inside a transaction."""
    try:
        charge = get_client().charge(
            amount=to_minor(payment.amount),
            currency=payment.currency,
            source=payment.payment_method,
            idempotency_key=payment.idempotency_key,
            metadata={"payment_id": payment.pk, "order_id": payment.order_id},
        )
    except ProviderError as exc:
        return Outcome(False, failure_reason=f"provider error: {exc}"[:500], upstream_error=True)
    except Exception:
        # Whatever broke, settle the payment: a 500 here would leave it pending and a checkout's
        # order holding its stock.
        logger.exception("payment %s: unexpected error calling the provider", payment.pk)
        return Outcome(False, failure_reason="provider error: unexpected failure", upstream_error=True)
    if charge.status == "completed":
        return Outcome(True, transaction_id=charge.id)
    if charge.status == "failed":
        return Outcome(False, transaction_id=charge.id, failure_reason="declined")
    # "pending": the provider offers no way to learn the outcome later, so it cannot count as paid.
    return Outcome(
        False, transaction_id=charge.id, failure_reason="provider left the charge pending", upstream_error=True
    )


def _record_outcome(*, payment_id: int, outcome: Outcome, actor: Any) -> Payment:
    """tx2 body: lock order then payment (the order's lock order everywhere), write the result."""
    order = Order.objects.select_for_update().get(pk=Payment.objects.values("order_id").get(pk=payment_id)["order_id"])
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    payment.transaction_id = outcome.transaction_id
    if outcome.succeeded:
        payment.status = PaymentStatus.SUCCEEDED
        payment.save(update_fields=["status", "transaction_id", "updated_at"])
        if order.status == OrderStatus.PENDING:
            order_services.set_order_status(order=order, status=OrderStatus.CONFIRMED, actor=actor)
    else:
        payment.status = PaymentStatus.FAILED
        payment.failure_reason = outcome.failure_reason
        payment.save(update_fields=["status", "transaction_id", "failure_reason", "updated_at"])
    event = "payment.succeeded" if outcome.succeeded else "payment.failed"
    record(
        actor=actor,
        entity_type="payment",
        entity_id=payment.pk,
        action="transition",
        changes={"status": [PaymentStatus.PENDING.value, payment.status]},
        event_type=event,
        data=payment_payload(payment),
    )
    return payment


def _raise_for(outcome: Outcome, payment: Payment, **extra: Any) -> None:
    if outcome.succeeded:
        return
    extra = {"payment": payment_payload(payment), **extra}
    if outcome.upstream_error:
        raise UpstreamError(_("The payment provider failed; nothing was charged"), extra=extra)
    raise PaymentDeclined(_("The payment was declined"), extra=extra)


def _ensure_payable(order: Order, amount: Decimal | None, currency: str | None) -> None:
    if amount is not None and amount != order.total:
        raise ValidationFailed.field("amount", _("Must equal the order's total (%(total)s).") % {"total": order.total})
    if currency is not None and currency != order.currency:
        raise ValidationFailed.field(
            "currency", _("Must equal the order's currency (%(currency)s).") % {"currency": order.currency}
        )
    if order.status not in PAYABLE_STATUSES:
        raise Conflict(_("An order that is %(status)s cannot be paid") % {"status": order.status})
    if order.payments.filter(status=PaymentStatus.SUCCEEDED).exists():
        raise Conflict(_("The order is already paid"))
    _ensure_something_to_charge(order)


def _ensure_something_to_charge(order: Order) -> None:
    # A product may cost 0.00; a provider charges at least one minor unit.
    if order.total <= 0:
        raise Conflict(_("The order's total is %(total)s: there is nothing to charge") % {"total": order.total})


def charge_order(
    *, actor: Any, order_id: int, payment_method: str, amount: Decimal | None = None, currency: str | None = None
) -> Payment:
    """``POST /payments``: charge an order's total; a success confirms a ``pending`` order.

    Raises ``PaymentDeclined`` (402) or ``UpstreamError`` (502), both carrying the failed payment.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        _ensure_payable(order, amount, currency)
        payment = _new_payment(order, payment_method, actor)
    outcome = _charge_at_provider(payment)
    with transaction.atomic():
        payment = _record_outcome(payment_id=payment.pk, outcome=outcome, actor=actor)
        order_status = Order.objects.values_list("status", flat=True).get(pk=payment.order_id)
    if outcome.succeeded and order_status not in PAYABLE_STATUSES | {OrderStatus.APPROVED}:
        # The order was cancelled or rejected while we were at the provider: give the money back.
        refund_quietly(actor=actor, payment_id=payment.pk)
        payment.refresh_from_db()
    _raise_for(outcome, payment)
    return payment


def checkout(*, user: Any, payment_method: str, shipping_address: str = "") -> tuple[Order, Payment]:
    """``POST /checkout``: cart -> order -> charge -> confirm -> empty cart, all or nothing.

    On a decline (402) or a provider failure (502) the order ends ``cancelled`` with its stock
    released, the payment ``failed``, and the cart as it was.
    """
    with transaction.atomic():
        lines = list(selectors.cart_items(user).select_for_update(of=("self",)))
        if not lines:
            raise ValidationFailed.field("cart", _("The cart is empty."), code="empty")
        items = [{"product_id": line.product_id, "quantity": line.quantity} for line in lines]
        try:
            order = order_services.place_order(user=user, items=items, shipping_address=shipping_address)
        except (ValidationFailed, InsufficientStock) as exc:
            # The cart's lines are what the items are: say so in the paths the client sent nothing for.
            for error in exc.errors:
                error["field"] = "cart." + (error["field"] or "")
            raise
        _ensure_something_to_charge(order)  # raised here, the order is rolled back and the cart kept
        payment = _new_payment(order, payment_method, user)
    outcome = _charge_at_provider(payment)
    with transaction.atomic():
        payment = _record_outcome(payment_id=payment.pk, outcome=outcome, actor=user)
        order = Order.objects.select_for_update().get(pk=order.pk)
        still_open = order.status in PAYABLE_STATUSES | {OrderStatus.APPROVED}
        if outcome.succeeded and still_open:
            order_services.clear_cart(user=user)
        elif not outcome.succeeded and order.status in PAYABLE_STATUSES:
            order_services.set_order_status(order=order, status=OrderStatus.CANCELLED, actor=user)
    if outcome.succeeded and not still_open:
        # Cancelled or rejected while we were at the provider: the money goes back and the
        # cart stays, because the purchase did not happen.
        refund_quietly(actor=user, payment_id=payment.pk)
        payment.refresh_from_db()
        raise Conflict(
            _("The order was %(status)s while it was being paid; the payment was refunded") % {"status": order.status},
            extra={"payment": payment_payload(payment), "order_id": order.pk},
        )
    _raise_for(outcome, payment, order_id=order.pk)
    return order, payment
