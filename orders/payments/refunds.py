"""Refunds, below ``orders.services`` (which refunds what a rejected or cancelled order has paid)
and below the charges of ``orders.payments.services``. The provider is called outside any
transaction or lock, as for a charge.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import Conflict, UpstreamError
from events.services import record
from orders.models import Payment, PaymentStatus
from orders.payloads import payment_payload
from orders.payments.provider import ProviderError, get_client, to_minor

logger = logging.getLogger(__name__)


def refund_payment(*, actor: Any, payment_id: int) -> Payment:
    """Refund a succeeded payment in full. The refund key is fixed per payment, so two racing
    refunds are one refund at the provider; 409 unless the payment is ``succeeded``."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != PaymentStatus.SUCCEEDED:
            raise Conflict(_("A payment that is %(status)s cannot be refunded") % {"status": payment.status})
    try:
        refund = get_client().refund(
            charge_id=payment.transaction_id,
            amount=to_minor(payment.amount),
            idempotency_key=f"{payment.idempotency_key}_refund",
        )
    except ProviderError as exc:
        raise UpstreamError(_("The payment provider failed to refund: %(error)s") % {"error": exc})
    if refund.status == "failed":
        raise UpstreamError(_("The payment provider refused the refund"))
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != PaymentStatus.SUCCEEDED:
            return payment  # a concurrent refund recorded it first
        payment.status = PaymentStatus.REFUNDED
        payment.refund_id = refund.id
        payment.save(update_fields=["status", "refund_id", "updated_at"])
        record(
            actor=actor,
            entity_type="payment",
            entity_id=payment.pk,
            action="transition",
            changes={"status": [PaymentStatus.SUCCEEDED.value, PaymentStatus.REFUNDED.value]},
            event_type="payment.refunded",
            data=payment_payload(payment),
        )
    return payment


def refund_quietly(*, actor: Any, payment_id: int) -> None:
    try:
        refund_payment(actor=actor, payment_id=payment_id)
    except (UpstreamError, Conflict):
        # The order's change stands; the payment stays succeeded for staff to refund again.
        logger.exception("automatic refund of payment %s failed", payment_id)


def refund_order_payments(*, actor: Any, order_id: int) -> None:
    """Refund what an order has paid (after ``reject``/``cancel`` has committed)."""
    for payment_id in Payment.objects.filter(order_id=order_id, status=PaymentStatus.SUCCEEDED).values_list(
        "pk", flat=True
    ):
        refund_quietly(actor=actor, payment_id=payment_id)
