"""The order state machine as data (docs/api-guide.md#order-workflow): action -> allowed sources, target, who may take it."""

from __future__ import annotations

from dataclasses import dataclass

from core.workflow import Who, may_take
from orders.models import OrderStatus as S

__all__ = ["RELEASING_STATUSES", "TRANSITIONS", "Step", "Who", "allowed_actions", "may_take"]


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    target: str
    who: Who


TRANSITIONS: dict[str, Step] = {
    "confirm": Step(frozenset({S.PENDING}), S.CONFIRMED, Who.OWNER_OR_STAFF),
    "approve": Step(frozenset({S.PENDING, S.CONFIRMED}), S.APPROVED, Who.STAFF),
    "reject": Step(frozenset({S.PENDING, S.CONFIRMED}), S.REJECTED, Who.STAFF),
    "ship": Step(frozenset({S.APPROVED}), S.SHIPPED, Who.STAFF),
    "deliver": Step(frozenset({S.SHIPPED}), S.DELIVERED, Who.STAFF),
    "cancel": Step(frozenset({S.PENDING, S.CONFIRMED}), S.CANCELLED, Who.OWNER_OR_STAFF),
}

# Reaching one of these gives the reserved stock back (and refunds what was paid).
RELEASING_STATUSES = frozenset({S.REJECTED, S.CANCELLED})


def allowed_actions(status: str, *, is_staff: bool, is_owner: bool) -> list[str]:
    """The actions this caller may take on an order in ``status``."""
    return [
        action
        for action, step in TRANSITIONS.items()
        if status in step.sources and may_take(step.who, is_staff=is_staff, is_owner=is_owner)
    ]
