"""``record``: the single way every app publishes a change (audit + domain event)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from core.request_context import get_request_id
from events.models import AuditEvent, Event

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


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value changed."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


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


def _fan_out(event: Event) -> None:
    """Where delivery (webhook deliveries, email outbox) hooks in, in the same transaction."""
