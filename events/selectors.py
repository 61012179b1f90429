"""Reads shared by the events views (and the dashboard)."""

from __future__ import annotations

from django.db.models import QuerySet

from events.models import OutboxStatus, WebhookDelivery


def delivery_list() -> QuerySet[WebhookDelivery]:
    # The event's type is shown on each row; its (possibly large) data is not.
    return WebhookDelivery.objects.select_related("event").defer("event__data")


def delivery_detail() -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.select_related("event").prefetch_related("attempt_log")


def webhook_counts() -> dict[str, int]:
    """Pending and failed deliveries, for the dashboard."""
    return {
        "pending": WebhookDelivery.objects.filter(status=OutboxStatus.PENDING).count(),
        "failed": WebhookDelivery.objects.filter(status=OutboxStatus.FAILED).count(),
    }
