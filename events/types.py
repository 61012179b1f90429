"""The domain event types of docs/api-guide.md#events-webhooks-audit-email and the subscription patterns that select them."""

from __future__ import annotations

from fnmatch import fnmatchcase

EVENT_TYPES = (
    "user.registered",
    "expediente.created",
    "expediente.updated",
    "expediente.status_changed",
    "expediente.deleted",
    "documento.added",
    "order.created",
    "order.confirmed",
    "order.approved",
    "order.rejected",
    "order.shipped",
    "order.delivered",
    "order.cancelled",
    "payment.succeeded",
    "payment.failed",
    "payment.refunded",
)


def matches(patterns: list[str], event_type: str) -> bool:
    """``order.*`` selects every ``order.`` event, ``*`` selects all, anything else is exact."""
    return any(
        pattern == event_type or (pattern.endswith("*") and fnmatchcase(event_type, pattern)) for pattern in patterns
    )


def is_valid_pattern(pattern: str) -> bool:
    """A pattern must be ``*``, ``<resource>.*`` or a known type, and select at least one type."""
    if pattern != "*" and "*" in pattern[:-1]:
        return False
    if "[" in pattern or "?" in pattern:
        return False
    return any(matches([pattern], event_type) for event_type in EVENT_TYPES)
