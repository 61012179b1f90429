"""Reads shared by the events views."""

from __future__ import annotations

from django.db.models import QuerySet

from events.models import WebhookDelivery


def delivery_list() -> QuerySet[WebhookDelivery]:
    # The event's type is shown on each row; its (possibly large) data is not.
    return WebhookDelivery.objects.select_related("event").defer("event__data")


def delivery_detail() -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.select_related("event").prefetch_related("attempt_log")
