"""The expediente workflow as data: ``(from, to) -> who``. The service and the API both read it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.permissions import is_staff_user
from core.workflow import Who
from expedientes.models import Estado

__all__ = [
    "ESTADO_ORDER",
    "TRANSITIONS",
    "Who",
    "allowed_targets",
    "is_owner",
    "path_to",
    "rule_for",
    "targets_for",
    "targets_from",
]


TRANSITIONS: dict[tuple[str, str], Who] = {
    (Estado.INICIADO, Estado.EN_REVISION): Who.OWNER_OR_STAFF,
    (Estado.EN_REVISION, Estado.REQUIERE_SUBSANACION): Who.STAFF,
    (Estado.EN_REVISION, Estado.APROBADO): Who.STAFF,
    (Estado.EN_REVISION, Estado.RECHAZADO): Who.STAFF,
    (Estado.REQUIERE_SUBSANACION, Estado.EN_REVISION): Who.OWNER_OR_STAFF,
    (Estado.APROBADO, Estado.ARCHIVADO): Who.STAFF,
    (Estado.RECHAZADO, Estado.ARCHIVADO): Who.STAFF,
}

ESTADO_ORDER = [choice.value for choice in Estado]


def rule_for(source: str, target: str) -> Who | None:
    return TRANSITIONS.get((source, target))


def is_owner(user: Any, owner_id: int | None) -> bool:
    return user is not None and owner_id is not None and user.pk == owner_id


def targets_from(source: str) -> list[str]:
    """Every target the table offers from ``source``, whoever asks."""
    return list(_TARGETS.get(source, ()))


def allowed_targets(source: str, user: Any, owner_id: int | None) -> list[str]:
    """The targets ``user`` may take now from ``source`` (role and state both considered)."""
    return targets_for(user)(source, owner_id)


def targets_for(user: Any) -> Callable[[str, int | None], list[str]]:
    """``allowed_targets`` for one caller, its role read once (a list page asks for every row)."""
    if user is None:
        return lambda source, owner_id: []
    if is_staff_user(user):
        return lambda source, owner_id: list(_TARGETS.get(source, ()))
    user_pk = user.pk

    def for_citizen(source: str, owner_id: int | None) -> list[str]:
        return list(_OWNER_TARGETS.get(source, ())) if owner_id is not None and owner_id == user_pk else []

    return for_citizen


# The table read once per process: a list page asks for every row.
_TARGETS = {
    source: tuple(target for target in ESTADO_ORDER if (source, target) in TRANSITIONS) for source in ESTADO_ORDER
}
_OWNER_TARGETS = {
    source: tuple(target for target in targets if TRANSITIONS[(source, target)] is Who.OWNER_OR_STAFF)
    for source, targets in _TARGETS.items()
}


def path_to(target: str, start: str = Estado.INICIADO) -> list[str]:
    """The shortest list of steps through ``TRANSITIONS`` from ``start`` to ``target`` ([] if equal)."""
    paths: dict[str, list[str]] = {start: []}
    frontier = [start]
    while frontier and target not in paths:
        following = []
        for source in frontier:
            for (origin, destination), _ in TRANSITIONS.items():
                if origin == source and destination not in paths:
                    paths[destination] = [*paths[source], destination]
                    following.append(destination)
        frontier = following
    if target not in paths:
        raise ValueError(f"{target!r} cannot be reached from {start!r}")
    return paths[target]
