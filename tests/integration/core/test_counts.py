"""Totals no counter covers (a search): counted once per version of the table, exact after any write.

These tests commit (``transaction=True``): the cache is only for readers whose transaction has written
nothing, and a test wrapped in one transaction has always written its fixtures.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from core import counts, versions
from core.search import document_search
from expedientes import services
from expedientes.models import Expediente
from orders.models import Order

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = Expediente._meta.db_table


def garcias() -> Any:
    return document_search(Expediente.objects.all(), "garcia", "search_document")


def counted(queryset: Any) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        total = counts.count(queryset)
    return total, [query["sql"] for query in captured]


@pytest.fixture
def expedientes(citizen: Any) -> list[Expediente]:
    rows = [
        services.create_expediente(actor=citizen, numero=f"CNT-{n:03d}", solicitante=name, concepto="Licencia")
        for n, name in enumerate(["Ana García", "Luis Garcia", "Eva López", "José GARCÍA"])
    ]
    return rows


def test_a_search_total_is_counted_once_then_read_with_the_versions(expedientes):
    first, first_sql = counted(garcias())
    again, again_sql = counted(garcias())

    assert first == again == garcias().count() == 3
    assert len(first_sql) == 2
    assert "COUNT(*)" in first_sql[1]
    assert len(again_sql) == 1
    assert versions.TABLE in again_sql[0]
    # The one statement carries the count, but PostgreSQL never runs it for a clean reader.
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {again_sql[0]}")
        plan = str(cursor.fetchone()[0])
    assert "'Actual Loops': 0" in plan


def test_every_kind_of_write_moves_the_version_and_the_total_follows(expedientes, citizen, clerk):
    assert counts.count(garcias()) == 3
    services.create_expediente(actor=citizen, numero="CNT-100", solicitante="Mar Garcia", concepto="Obra")
    assert counts.count(garcias()) == 4
    # A change of a searched column that no tally counts.
    Expediente.objects.filter(numero="CNT-001").update(solicitante="Luis Gómez")
    assert counts.count(garcias()) == 3
    Expediente.objects.filter(numero="CNT-000").delete()
    assert counts.count(garcias()) == 2
    with connection.cursor() as cursor:  # SQL behind the ORM's back
        cursor.execute(
            f"UPDATE {TABLE} SET solicitante = 'Pilar García' WHERE numero = %s",  # noqa: S608 - a constant
            ["CNT-002"],
        )
    assert counts.count(garcias()) == garcias().count() == 3


def test_a_write_committed_after_the_count_is_seen_by_the_next_request(expedientes, citizen):
    """A writer on another connection: while it has not committed, its versions are not seen either."""
    settings = connection.settings_dict
    dsn = f"host={settings['HOST']} port={settings['PORT'] or 5432} dbname={settings['NAME']} user={settings['USER']}"
    with psycopg.connect(dsn) as other:
        other.execute(
            f"UPDATE {TABLE} SET solicitante = 'Rosa Garcia' WHERE numero = 'CNT-002'"  # noqa: S608 - a constant
        )
        assert counts.count(garcias()) == 3  # not committed: counted and cached without it
        other.commit()
    assert counts.count(garcias()) == garcias().count() == 4


def test_a_transaction_that_has_written_counts_its_own_rows_and_caches_nothing(expedientes, citizen):
    assert counts.count(garcias()) == 3
    with transaction.atomic():
        services.create_expediente(actor=citizen, numero="CNT-200", solicitante="Gil García", concepto="Obra")
        total, sql = counted(garcias())
        assert total == 4
        assert len(sql) == 1
        assert "COUNT(*)" in sql[0]
        transaction.set_rollback(True)
    assert counts.count(garcias()) == 3


def test_a_bump_by_hand_moves_the_version(expedientes):
    """``manage.py seed`` writes with the triggers skipped, then bumps the versions."""
    read = f"SELECT versions FROM ({versions.READ_SQL}) AS v"  # noqa: S608 - a constant
    with connection.cursor() as cursor:
        cursor.execute(read, [[TABLE]])
        before = cursor.fetchone()[0]
        cursor.execute(versions.bump_sql(TABLE))
        cursor.execute(read, [[TABLE]])
        assert cursor.fetchone()[0] != before


def test_only_queries_of_versioned_tables_alone_are_cached(expedientes):
    assert counts.versioned_tables(garcias()) == [TABLE]
    assert counts.versioned_tables(Order.objects.filter(status="pending")) == [Order._meta.db_table]
    # A join to an unversioned table, a subquery, a slice, a distinct: counted as Django counts.
    assert counts.versioned_tables(Expediente.objects.filter(owner__username="x")) is None
    inner = Expediente.objects.filter(estado="iniciado").values("id")
    assert counts.versioned_tables(Expediente.objects.filter(id__in=inner)) is None
    assert counts.versioned_tables(Expediente.objects.all()[:5]) is None
    assert counts.versioned_tables(Expediente.objects.distinct()) is None
    assert counts.count(Expediente.objects.filter(owner__username="nobody")) == 0


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}}
)
def test_a_cache_that_is_down_costs_a_count_never_the_request(expedientes, caplog):
    assert counts.count(garcias()) == 3
    assert counts.count(garcias()) == 3
    assert "count cache unavailable" in caplog.text


def test_the_api_search_total_is_exact_after_a_write(expedientes, clerk_client, citizen_client):
    url = "/api/v1/expedientes?search=garcia&per_page=2"
    assert clerk_client.get(url).json()["total"] == 3
    assert clerk_client.get(url).json()["total"] == 3
    created = citizen_client.post(
        "/api/v1/expedientes",
        {"numero": "CNT-300", "solicitante": "Sol García", "concepto": "Licencia"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = clerk_client.get(url).json()
    assert body["total"] == 4
    assert body["has_next"] is True
