"""``manage.py seed``: a consistent, deterministic database, counters included."""

from __future__ import annotations

import hashlib

import pytest
from django.core.management import call_command
from django.db import connection

from tests.integration.core.test_tallies import assert_tallies_exact

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"expedientes": 300, "orders": 120, "users": 30, "clerks": 3, "products": 20, "no_progress": True}


def _fingerprint() -> str:
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for sql in (
            "SELECT numero, solicitante, estado, owner_id, documentos_count FROM expedientes_expediente ORDER BY id",
            "SELECT user_id, status, total FROM orders_order ORDER BY id",
            "SELECT entity_type, entity_id, action FROM events_auditevent ORDER BY id",
        ):
            cursor.execute(sql)
            digest.update(repr(cursor.fetchall()).encode())
    return digest.hexdigest()


def test_seed_fills_every_table_with_exact_counters_and_repeats_itself() -> None:
    call_command("seed", seed=7, reset=True, **SIZES)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT estado) FROM expedientes_expediente")
        assert cursor.fetchone() == (300, 6)
        cursor.execute(
            "SELECT count(*) FROM expedientes_expediente e WHERE documentos_count <>"
            " (SELECT count(*) FROM expedientes_documento d WHERE d.expediente_id = e.id)"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT sum(documentos_count) FROM expedientes_expediente")
        assert cursor.fetchone()[0] > 0
    assert assert_tallies_exact() > 0
    first = _fingerprint()
    call_command("seed", seed=7, reset=True, **SIZES)
    assert _fingerprint() == first
    call_command("seed", seed=8, reset=True, **SIZES)
    assert _fingerprint() != first


def test_seeded_event_ids_follow_time_across_expedientes_and_orders() -> None:
    # chunk=100: windows of 10 rows, so 30 slices of time, written alternately.
    call_command("seed", seed=7, reset=True, chunk=100, **SIZES)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM events_event")
        events = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FILTER (WHERE type LIKE 'expediente.%%'), count(*) FILTER (WHERE type LIKE 'order.%%')"
            " FROM (SELECT type FROM events_event ORDER BY id LIMIT %s) AS first",
            [events // 10],
        )
        expediente_events, order_events = cursor.fetchone()
    # The first tenth of the feed holds both kinds, as a live system's would.
    assert expediente_events > 0
    assert order_events > 0
