"""reports_expedientemove: the moves the database keeps from the audit trail (trigger) equal the ones
computed again from the trail (the rebuild used after a bulk load), whoever writes the events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from events.models import AuditEvent
from expedientes import services
from reports.models import ExpedienteMove
from reports.moves import REBUILD_SQL

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _moves() -> list[tuple]:
    return list(
        ExpedienteMove.objects.order_by("id").values_list(
            "id", "expediente_id", "at", "from_estado", "to_estado", "entered_at", "started_at"
        )
    )


def test_each_transition_knows_when_its_estado_was_entered(citizen, clerk):
    with time_machine.travel(T0, tick=False) as clock:
        expediente = services.create_expediente(actor=citizen, numero="EXP-M-1", solicitante="Ana")
        for hours, target in ((5, "en_revision"), (24, "requiere_subsanacion"), (2, "en_revision"), (3, "aprobado")):
            clock.shift(timedelta(hours=hours))
            services.transition_expediente(expediente_id=expediente.pk, actor=clerk, to=target)
    moves = [(m[3], m[4], m[5] - T0, m[2] - T0, m[6]) for m in _moves()]
    hour = timedelta(hours=1)
    assert moves == [
        ("iniciado", "en_revision", 0 * hour, 5 * hour, T0),
        ("en_revision", "requiere_subsanacion", 5 * hour, 29 * hour, T0),
        ("requiere_subsanacion", "en_revision", 29 * hour, 31 * hour, T0),
        ("en_revision", "aprobado", 31 * hour, 34 * hour, T0),
    ]
    # Each move is its audit event (same id); other audit rows (create, update) make no move.
    ids = AuditEvent.objects.filter(entity_type="expediente", action="transition").values_list("id", flat=True)
    assert [m[0] for m in _moves()] == sorted(ids)


def test_several_transitions_in_one_statement_chain_their_times(citizen):
    with time_machine.travel(T0, tick=False):
        expediente = services.create_expediente(actor=citizen, numero="EXP-M-2", solicitante="Ana")
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                entity_type="expediente",
                entity_id=str(expediente.pk),
                action="transition",
                changes={"estado": [src, dst]},
                created_at=T0 + timedelta(days=day),
            )
            for day, (src, dst) in enumerate([("iniciado", "en_revision"), ("en_revision", "rechazado")], start=1)
        ]
    )
    assert [(m[5] - T0).days for m in _moves()] == [0, 1]


def test_the_rebuild_from_the_trail_equals_what_the_trigger_kept(citizen, clerk):
    with time_machine.travel(T0, tick=False) as clock:
        for n in range(3):
            expediente = services.create_expediente(actor=citizen, numero=f"EXP-M-R{n}", solicitante="Ana")
            for target in ("en_revision", "aprobado", "archivado")[: n + 1]:
                clock.shift(timedelta(hours=7 + n))
                services.transition_expediente(expediente_id=expediente.pk, actor=clerk, to=target)
        services.update_expediente(expediente_id=expediente.pk, actor=clerk, fields={"solicitante": "Eva"})
    kept = _moves()
    assert len(kept) == 6
    with connection.cursor() as cursor:
        cursor.execute(REBUILD_SQL)
    assert _moves() == kept


@pytest.mark.django_db(transaction=True)
def test_seed_rebuilds_the_moves_it_loaded_without_triggers():
    call_command(
        "seed", seed=3, reset=True, expedientes=200, orders=20, users=20, clerks=2, products=5, no_progress=True
    )
    transitions = AuditEvent.objects.filter(entity_type="expediente", action="transition").count()
    assert transitions > 0
    assert ExpedienteMove.objects.count() == transitions
    with connection.cursor() as cursor:
        # Every move's entered_at is its previous move's time, or the expediente's creation.
        cursor.execute(
            """
            SELECT count(*) FROM reports_expedientemove AS m
            WHERE m.entered_at <> coalesce(
                (SELECT p.at FROM reports_expedientemove AS p
                 WHERE p.expediente_id = m.expediente_id AND (p.at, p.id) < (m.at, m.id)
                 ORDER BY p.at DESC, p.id DESC LIMIT 1),
                m.started_at)
            """
        )
        assert cursor.fetchone()[0] == 0
    call_command("seed", seed=3, reset=True, expedientes=50, orders=5, users=20, clerks=2, products=5, no_progress=True)
    assert (
        ExpedienteMove.objects.count()
        == AuditEvent.objects.filter(entity_type="expediente", action="transition").count()
    )
