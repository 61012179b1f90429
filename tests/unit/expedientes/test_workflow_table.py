"""The workflow table as data: who may take which step, and what the API offers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from expedientes.models import Estado
from expedientes.workflow import TRANSITIONS, Who, allowed_targets, rule_for, targets_from

citizen = SimpleNamespace(pk=1, is_authenticated=True, is_staff_role=False)
stranger = SimpleNamespace(pk=2, is_authenticated=True, is_staff_role=False)
clerk = SimpleNamespace(pk=3, is_authenticated=True, is_staff_role=True)


def test_the_table_is_the_contract():
    assert {(a.value if hasattr(a, "value") else a, b): who for (a, b), who in TRANSITIONS.items()} == {
        ("iniciado", "en_revision"): Who.OWNER_OR_STAFF,
        ("en_revision", "requiere_subsanacion"): Who.STAFF,
        ("en_revision", "aprobado"): Who.STAFF,
        ("en_revision", "rechazado"): Who.STAFF,
        ("requiere_subsanacion", "en_revision"): Who.OWNER_OR_STAFF,
        ("aprobado", "archivado"): Who.STAFF,
        ("rechazado", "archivado"): Who.STAFF,
    }


@pytest.mark.parametrize(
    ("source", "user", "expected"),
    [
        (Estado.INICIADO, citizen, ["en_revision"]),
        (Estado.INICIADO, stranger, []),
        (Estado.INICIADO, clerk, ["en_revision"]),
        (Estado.EN_REVISION, citizen, []),
        (Estado.EN_REVISION, clerk, ["requiere_subsanacion", "aprobado", "rechazado"]),
        (Estado.REQUIERE_SUBSANACION, citizen, ["en_revision"]),
        (Estado.APROBADO, citizen, []),
        (Estado.RECHAZADO, clerk, ["archivado"]),
        (Estado.ARCHIVADO, clerk, []),
    ],
)
def test_allowed_targets_consider_role_and_state(source, user, expected):
    assert allowed_targets(source, user, owner_id=citizen.pk) == expected


def test_targets_from_ignores_the_caller():
    assert targets_from(Estado.EN_REVISION) == ["requiere_subsanacion", "aprobado", "rechazado"]
    assert targets_from(Estado.ARCHIVADO) == []
    assert rule_for(Estado.ARCHIVADO, Estado.INICIADO) is None
