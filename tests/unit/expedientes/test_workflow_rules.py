"""Who may take a step, what a caller is offered and the walk through the table
(docs/api-guide.md#expediente-workflow), read from expedientes.workflow without HTTP."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from accounts.permissions import is_staff_user
from core.workflow import may_take
from expedientes.models import Estado
from expedientes.workflow import (
    TRANSITIONS,
    Who,
    allowed_targets,
    is_owner,
    path_to,
    rule_for,
    targets_for,
    targets_from,
)

owner = SimpleNamespace(pk=1, is_authenticated=True, is_staff_role=False)
stranger = SimpleNamespace(pk=2, is_authenticated=True, is_staff_role=False)
clerk = SimpleNamespace(pk=3, is_authenticated=True, is_staff_role=True)


@pytest.mark.parametrize(
    ("rule", "user", "owner_id", "expected"),
    [
        (Who.STAFF, clerk, owner.pk, True),
        (Who.STAFF, clerk, None, True),
        (Who.STAFF, owner, owner.pk, False),
        (Who.OWNER_OR_STAFF, owner, owner.pk, True),
        (Who.OWNER_OR_STAFF, stranger, owner.pk, False),
        (Who.OWNER_OR_STAFF, owner, None, False),
        (Who.OWNER_OR_STAFF, None, owner.pk, False),
        (Who.OWNER_OR_STAFF, clerk, None, True),
    ],
)
def test_may_take_follows_the_rule_and_the_caller(rule, user, owner_id, expected):
    assert may_take(rule, is_staff=is_staff_user(user), is_owner=is_owner(user, owner_id)) is expected


def test_an_anonymous_caller_is_offered_nothing():
    for source in Estado:
        assert allowed_targets(source, None, owner_id=owner.pk) == []


def test_an_owner_without_an_owner_id_is_offered_nothing():
    assert targets_for(owner)(Estado.INICIADO, None) == []


@pytest.mark.parametrize("source", list(Estado))
def test_a_clerk_is_offered_every_target_of_the_table_in_estado_order(source):
    expected = [target for target in Estado if (source, target) in TRANSITIONS]
    assert targets_for(clerk)(source, owner.pk) == expected


@pytest.mark.parametrize("source", list(Estado))
def test_the_owner_is_offered_exactly_the_owner_or_staff_steps(source):
    expected = [target for target in Estado if TRANSITIONS.get((source, target)) is Who.OWNER_OR_STAFF]
    assert targets_for(owner)(source, owner.pk) == expected
    assert targets_for(stranger)(source, owner.pk) == []


def test_offers_are_fresh_lists_a_caller_may_change():
    first = targets_for(clerk)(Estado.EN_REVISION, owner.pk)
    first.clear()
    assert targets_for(clerk)(Estado.EN_REVISION, owner.pk) == ["requiere_subsanacion", "aprobado", "rechazado"]


@pytest.mark.parametrize(
    ("target", "start", "expected"),
    [
        (Estado.INICIADO, Estado.INICIADO, []),
        (Estado.EN_REVISION, Estado.INICIADO, ["en_revision"]),
        (Estado.REQUIERE_SUBSANACION, Estado.INICIADO, ["en_revision", "requiere_subsanacion"]),
        (Estado.APROBADO, Estado.INICIADO, ["en_revision", "aprobado"]),
        (Estado.RECHAZADO, Estado.INICIADO, ["en_revision", "rechazado"]),
        (Estado.ARCHIVADO, Estado.INICIADO, ["en_revision", "aprobado", "archivado"]),
        (Estado.ARCHIVADO, Estado.RECHAZADO, ["archivado"]),
        (Estado.APROBADO, Estado.REQUIERE_SUBSANACION, ["en_revision", "aprobado"]),
    ],
)
def test_path_to_is_the_shortest_walk_through_the_table(target, start, expected):
    assert path_to(target, start) == expected


def test_every_step_of_a_path_is_in_the_table():
    for target in Estado:
        source = Estado.INICIADO
        for step in path_to(target):
            assert (source, step) in TRANSITIONS
            source = step


def test_path_to_an_unreachable_estado_is_refused():
    with pytest.raises(ValueError, match="cannot be reached"):
        path_to(Estado.INICIADO, Estado.ARCHIVADO)
    with pytest.raises(ValueError, match="'iniciado' cannot be reached from 'en_revision'"):
        path_to("iniciado", "en_revision")


def test_rule_for_reads_the_table():
    for (source, target), who in TRANSITIONS.items():
        assert rule_for(source, target) is who
    assert rule_for(Estado.INICIADO, Estado.APROBADO) is None


@pytest.mark.parametrize("user", [owner, clerk])
def test_an_estado_outside_the_table_offers_nothing(user):
    assert targets_from("desconocido") == []
    assert targets_for(user)("desconocido", owner.pk) == []
