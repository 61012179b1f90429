"""Who may take a workflow step: the vocabulary both workflow tables (expedientes, orders) use."""

from __future__ import annotations

from enum import Enum


class Who(Enum):
    OWNER_OR_STAFF = "owner_or_staff"
    STAFF = "staff"


def may_take(who: Who, *, is_staff: bool, is_owner: bool) -> bool:
    """Staff may take every step; the owner only the steps open to ``OWNER_OR_STAFF``."""
    if is_staff:
        return True
    return who is Who.OWNER_OR_STAFF and is_owner
