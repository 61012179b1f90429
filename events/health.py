"""Endpoint health: a failure streak per endpoint, ended by a success; an endpoint failing for
``WEBHOOK_DISABLE_AFTER_SECONDS`` (or answering 410 Gone) is switched off, and staff hear of the former."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from events import emails
from events.models import WebhookEndpoint
from events.services import record


def endpoint_succeeded(endpoint_ids: list[int]) -> None:
    """A success ends these endpoints' failure streaks."""
    WebhookEndpoint.objects.filter(pk__in=endpoint_ids, failing_since__isnull=False).update(
        failing_since=None, consecutive_failures=0
    )


def endpoint_failed(endpoint_id: int, now: datetime) -> None:
    """One more failed attempt in the endpoint's streak; a streak too long switches it off."""
    # NO KEY: a request inserting deliveries for this endpoint (its foreign-key check takes KEY SHARE)
    # never waits on the worker, so the two can never wait on each other.
    endpoint = WebhookEndpoint.objects.select_for_update(no_key=True).filter(pk=endpoint_id).first()
    if endpoint is None:
        return
    endpoint.consecutive_failures += 1
    endpoint.failing_since = endpoint.failing_since or now
    endpoint.save(update_fields=["consecutive_failures", "failing_since"])
    limit = timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS)
    if endpoint.active and now - endpoint.failing_since >= limit:
        days = settings.WEBHOOK_DISABLE_AFTER_SECONDS / 86400
        disable_endpoint(
            endpoint_id=endpoint_id,
            reason=f"Every delivery failed for {days:g} days",
            now=now,
            notify=True,
        )


def disable_stale_endpoints(*, now: datetime | None = None) -> list[int]:
    """Disable endpoints failing for longer than allowed even when no new attempt comes to notice it."""
    now = now or timezone.now()
    limit = timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS)
    stale = list(
        WebhookEndpoint.objects.filter(active=True, failing_since__lte=now - limit).values_list("pk", flat=True)
    )
    days = settings.WEBHOOK_DISABLE_AFTER_SECONDS / 86400
    for endpoint_id in stale:
        disable_endpoint(
            endpoint_id=endpoint_id, reason=f"Every delivery failed for {days:g} days", now=now, notify=True
        )
    return stale


def disable_endpoint(*, endpoint_id: int, reason: str, now: datetime, notify: bool) -> None:
    """Switch an endpoint off (410 from the receiver, or failing for too long); staff hear of the latter."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update(no_key=True).get(pk=endpoint_id)
        if not endpoint.active:
            return
        endpoint.active = False
        endpoint.disabled_reason = reason
        endpoint.disabled_at = now
        endpoint.version += 1
        endpoint.save(update_fields=["active", "disabled_reason", "disabled_at", "version", "updated_at"])
        record(
            actor=None,
            entity_type="webhook_endpoint",
            entity_id=endpoint.pk,
            action="update",
            changes={"active": [True, False], "disabled_reason": ["", reason]},
        )
        if notify:
            emails.queue_endpoint_disabled(endpoint)
