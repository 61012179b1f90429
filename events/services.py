"""``record``: the single way every app publishes a change (audit + domain event)."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, NotFound, ValidationFailed
from core.request_context import get_request_id
from core.versioned_writes import lock_versioned, removed, save_versioned
from events import emails, outbox
from events.models import AuditEvent, Event, OutboxStatus, WebhookDelivery, WebhookEndpoint
from events.ssrf import UnsafeURL, check_url
from events.types import is_valid_pattern, matches

MASK = "***"
SECRET_MARKERS = ("password", "token", "secret")


def mask_secrets(changes: dict[str, Any]) -> dict[str, Any]:
    """Replace values of secret-looking fields so they never reach the audit trail."""
    return {
        key: ([MASK, MASK] if isinstance(value, (list, tuple)) else MASK)
        if any(marker in key.lower() for marker in SECRET_MARKERS)
        else value
        for key, value in changes.items()
    }


@dataclass(frozen=True)
class Recorded:
    audit: AuditEvent
    event: Event | None


def _actor_id(actor: Any) -> int | None:
    if actor is None:
        return None
    if isinstance(actor, int):
        return actor
    return getattr(actor, "pk", None)


def record(
    *,
    actor: Any,
    entity_type: str,
    entity_id: Any,
    action: str,
    changes: dict[str, Any] | None = None,
    event_type: str | None = None,
    data: dict[str, Any] | None = None,
) -> Recorded:
    """Write the audit event and, when ``event_type`` is given, the domain event.

    Runs inside the caller's transaction (opening one only when there is none), so a
    rolled-back change leaves neither row behind.
    """
    with transaction.atomic(savepoint=False):
        audit = AuditEvent.objects.create(
            actor_id=_actor_id(actor),
            entity_type=entity_type,
            entity_id=str(entity_id),
            action=action,
            changes=mask_secrets(changes or {}),
            request_id=get_request_id(),
        )
        event = None
        if event_type:
            event = Event.objects.create(type=event_type, data=data or {})
            _fan_out(event)
    return Recorded(audit=audit, event=event)


def record_export(*, actor: Any, entity_type: str, fmt: str, query: str, columns: list[str]) -> AuditEvent:
    """Audit that ``actor`` exported a list of ``entity_type`` rows (no domain event: nothing changed).

    ``query`` is the list's query string (its filters, search and ordering), so the trail says
    exactly which rows left the office.
    """
    return record(
        actor=actor,
        entity_type=entity_type,
        entity_id="",
        action=AuditEvent.Action.EXPORT,
        changes={"format": fmt, "query": query, "columns": columns},
    ).audit


def _fan_out(event: Event) -> None:
    """Outbox rows for the event, in the same transaction: one delivery per matching active
    endpoint and the emails the event sends. They are handed to the workers only on commit, so a
    rolled-back change sends nothing; ``robust`` keeps a broker outage from failing the request
    (the sweep sends the rows later)."""
    now = timezone.now()
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(active=True).only("id", "events")
        if matches(endpoint.events, event.type)
    ]
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now, enqueued_at=now)
            for endpoint in endpoints
        ]
    )
    messages = emails.queue_for_event(event)
    delivery_ids = [delivery.pk for delivery in deliveries]
    email_ids = [message.pk for message in messages]
    if delivery_ids or email_ids:
        transaction.on_commit(partial(outbox.enqueue, deliveries=delivery_ids, emails=email_ids), robust=True)


# --- webhook endpoints ---------------------------------------------------------------------------


def new_secret() -> str:
    """``whsec_`` + base64 of ``WEBHOOK_SECRET_BYTES`` random bytes (24..64, per the contract)."""
    size = min(max(settings.WEBHOOK_SECRET_BYTES, 24), 64)
    return "whsec_" + base64.b64encode(secrets.token_bytes(size)).decode()


def _check_url(url: str) -> None:
    try:
        check_url(url, registering=True)
    except UnsafeURL as exc:
        raise ValidationFailed.field("url", str(exc), code="unsafe_url") from None


def _check_events(patterns: list[str]) -> list[str]:
    cleaned: list[str] = []
    for index, pattern in enumerate(patterns):
        if not is_valid_pattern(pattern):
            raise ValidationFailed.field(
                f"events.{index}",
                _(
                    "Unknown event type or pattern %(pattern)s; use a type such as 'order.confirmed', "
                    "a family such as 'order.*', or '*'."
                )
                % {"pattern": repr(pattern)},
                code="invalid_choice",
            )
        if pattern not in cleaned:
            cleaned.append(pattern)
    return cleaned


def _representation(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "active": endpoint.active,
    }


def _lock_endpoint(endpoint_id: int, expected_versions: set[int] | None, *, no_key: bool = False) -> WebhookEndpoint:
    return lock_versioned(
        WebhookEndpoint.objects,
        endpoint_id,
        resource="Webhook endpoint",
        expected_versions=expected_versions,
        no_key=no_key,
    )


def create_endpoint(
    *, actor: Any, url: str, events: list[str], description: str = "", active: bool = True
) -> WebhookEndpoint:
    """Register a subscriber; the URL must pass the SSRF guard. The secret is generated here."""
    _check_url(url)
    patterns = _check_events(events)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            url=url, events=patterns, description=description, active=active, secret=new_secret()
        )
        changes = {key: [None, value] for key, value in _representation(endpoint).items()}
        changes["secret"] = [None, MASK]
        record(actor=actor, entity_type="webhook_endpoint", entity_id=endpoint.pk, action="create", changes=changes)
    return endpoint


def update_endpoint(
    *, actor: Any, endpoint_id: int, expected_versions: set[int] | None = None, **fields: Any
) -> WebhookEndpoint:
    """Change ``url``, ``events``, ``description`` or ``active``; re-enabling clears the failure state."""
    if "url" in fields:
        _check_url(fields["url"])
    if "events" in fields:
        fields["events"] = _check_events(fields["events"])
    with transaction.atomic():
        endpoint = _lock_endpoint(endpoint_id, expected_versions, no_key=True)
        if fields.get("active") is True and not endpoint.active:
            fields.update(disabled_reason="", disabled_at=None, failing_since=None, consecutive_failures=0)
        elif fields.get("active") is False and endpoint.active:
            fields.update(disabled_reason="Disabled by staff", disabled_at=timezone.now())
        changes = save_versioned(endpoint, fields, represent=_representation)
        if changes:
            record(actor=actor, entity_type="webhook_endpoint", entity_id=endpoint.pk, action="update", changes=changes)
    return endpoint


def delete_endpoint(*, actor: Any, endpoint_id: int, expected_versions: set[int] | None = None) -> None:
    """Remove a subscriber and its delivery log (the events themselves stay)."""
    with transaction.atomic():
        endpoint = _lock_endpoint(endpoint_id, expected_versions)
        changes = removed(_representation(endpoint))
        changes["secret"] = [MASK, None]
        pk = endpoint.pk
        endpoint.delete()
        record(actor=actor, entity_type="webhook_endpoint", entity_id=pk, action="delete", changes=changes)


def rotate_secret(*, actor: Any, endpoint_id: int, expected_versions: set[int] | None = None) -> WebhookEndpoint:
    """A new secret; the old one keeps signing beside it for ``WEBHOOK_SECRET_OVERLAP_SECONDS``."""
    with transaction.atomic():
        # NO KEY, as every lock that changes no key: requests inserting deliveries never wait on it.
        endpoint = _lock_endpoint(endpoint_id, expected_versions, no_key=True)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = timezone.now() + timedelta(
            seconds=settings.WEBHOOK_SECRET_OVERLAP_SECONDS
        )
        endpoint.secret = new_secret()
        endpoint.version += 1
        endpoint.save()
        record(
            actor=actor,
            entity_type="webhook_endpoint",
            entity_id=endpoint.pk,
            action="update",
            changes={"secret": [MASK, MASK]},
        )
    return endpoint


def retry_delivery(*, actor: Any, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again now (whatever its state), with a fresh retry schedule."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            raise NotFound.for_resource("Webhook delivery")
        if not delivery.endpoint.active:
            raise Conflict(_("The webhook endpoint is disabled; re-enable it first."))
        if delivery.locked_until is not None and delivery.locked_until > now:
            raise Conflict(_("The delivery is being sent right now."))
        delivery.status = OutboxStatus.PENDING
        delivery.schedule_start = delivery.attempt_count
        delivery.next_attempt_at = now
        delivery.locked_until = None
        delivery.lease_token = ""
        delivery.completed_at = None
        delivery.enqueued_at = now
        delivery.save()
        pk = delivery.pk
        transaction.on_commit(partial(outbox.enqueue, deliveries=[pk]), robust=True)
    return delivery
