"""Events recorded as a domain service records them (``events.services.record``), for the outbox tests."""

from __future__ import annotations

from typing import Any

from events.services import Recorded, record


def record_registration(user: Any) -> Recorded:
    """``user.registered`` for ``user``, by ``user``: the event the welcome email hangs on."""
    return record(
        actor=user,
        entity_type="user",
        entity_id=user.pk,
        action="create",
        event_type="user.registered",
        data={"id": user.pk, "email": user.email, "username": user.username},
    )
