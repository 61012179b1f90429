"""The reports' queries at size: ranges of their indexes, never a sequential scan of a big table.

Tens of thousands of expedientes, transitions, orders and deliveries (``generate_series``, then
ANALYZE) make the planner cost the tables as big; the SQL is the reports' own, explained with the
parameters a request would send.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from reports import daily, figures
from tests.support.plans import committed_tables, explain, users_sql

pytestmark = pytest.mark.integration

ROWS = 20_000
BIG_TABLES = {
    "expedientes_expediente",
    "events_auditevent",
    "reports_expedientemove",
    "orders_order",
    "events_webhookdelivery",
}
# Rows an hour apart (four and a half years), ending now; the period below is its last week.
FILL = f"""{users_sql("rep", 100)}
INSERT INTO expedientes_expediente (created_at, updated_at, version, numero, solicitante, concepto, estado,
                                    owner_id, assigned_to_id)
SELECT now() - make_interval(hours => {ROWS} - g), now(), 1, 'EXP-R-' || lpad(g::text, 7, '0'), 'Ana', '',
       (ARRAY['iniciado', 'en_revision', 'requiere_subsanacion', 'aprobado', 'rechazado', 'archivado'])[1 + g % 6],
       (SELECT min(id) FROM accounts_user) + 5 + g % 95,
       CASE WHEN g % 3 = 0 THEN NULL ELSE (SELECT min(id) FROM accounts_user) + g % 5 END
FROM generate_series(1, {ROWS}) AS g;

-- Two transitions per expediente (the trigger writes their moves), and other audit rows around them.
INSERT INTO events_auditevent (actor_id, entity_type, entity_id, action, changes, request_id, created_at)
SELECT NULL, 'expediente', e.id::text, 'transition',
       jsonb_build_object('estado', CASE WHEN k = 1 THEN jsonb_build_array('iniciado', 'en_revision')
                                         ELSE jsonb_build_array('en_revision',
                                              CASE WHEN e.id % 2 = 0 THEN 'aprobado' ELSE 'rechazado' END) END),
       NULL, e.created_at + make_interval(mins => k * 30)
FROM expedientes_expediente AS e CROSS JOIN generate_series(1, 2) AS k
ORDER BY 7;
INSERT INTO events_auditevent (actor_id, entity_type, entity_id, action, changes, request_id, created_at)
SELECT NULL, 'order', g::text, 'create', '{{}}'::jsonb, NULL, now() - make_interval(hours => {ROWS} - g)
FROM generate_series(1, {ROWS}) AS g;

INSERT INTO orders_order (created_at, updated_at, version, status, total, currency, shipping_address, user_id)
SELECT now() - make_interval(hours => {ROWS} - g), now(), 1,
       (ARRAY['pending', 'confirmed', 'delivered', 'cancelled'])[1 + g % 4], g % 500, 'EUR', '',
       (SELECT min(id) FROM accounts_user) + 5 + g % 95
FROM generate_series(1, {ROWS}) AS g;

INSERT INTO events_event (type, data, created_at)
SELECT 'order.created', '{{}}'::jsonb, now() - make_interval(hours => {ROWS} - g) FROM generate_series(1, {ROWS}) AS g;
INSERT INTO events_webhookendpoint (created_at, updated_at, version, url, secret, previous_secret, events,
                                    description, active, disabled_reason, consecutive_failures)
VALUES (now(), now(), 1, 'https://hooks.example.com/', 'whsec_x', '', ARRAY['*'], '', true, '', 0);
INSERT INTO events_webhookdelivery (status, attempt_count, schedule_start, lease_token, last_error, created_at,
                                    updated_at, completed_at, event_id, endpoint_id)
SELECT (ARRAY['succeeded', 'failed', 'pending'])[1 + ev.id % 3], 1, 0, '', '', ev.created_at, now(),
       CASE WHEN ev.id % 3 < 2 THEN ev.created_at END, ev.id, (SELECT min(id) FROM events_webhookendpoint)
FROM events_event AS ev;

ANALYZE accounts_user, expedientes_expediente, events_auditevent, reports_expedientemove, orders_order,
        events_event, events_webhookdelivery;
"""  # noqa: S608 - module constants only
TABLES = (
    "events_webhookdelivery, events_webhookendpoint, events_event, events_auditevent, reports_expedientemove, "
    "orders_order, expedientes_expediente, accounts_user"
)


@pytest.fixture(scope="module")
def big_tables(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Committed once for the module (a rollback per test would re-insert them every time)."""
    with committed_tables(
        django_db_blocker,
        TABLES,
        FILL,
        # Append-only tables are vacuumed by autovacuum as they grow (their visibility map is
        # what lets a scan read the index alone); here, at once.
        "VACUUM (ANALYZE) reports_expedientemove",
        "VACUUM (ANALYZE) orders_order",
    ):
        yield


@pytest.fixture
def params(big_tables: None, db: None) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM accounts_user")
        clerk = cursor.fetchone()[0] + 1
        cursor.execute("SELECT (now() - interval '7 days')::date, now()::date")
        first, last = cursor.fetchone()
    period = figures.Period(first, last)
    return {
        "start": period.start,
        "end": period.end,
        "assignee": clerk,
        "open": figures.OPEN_ESTADOS,
        "revenue": ["confirmed", "approved", "shipped", "delivered"],
        "cutoff": datetime.now(UTC) - timedelta(days=30),
        "limit": figures.OLDEST_SHOWN,
    }


def assert_indexed(sql: str, params: dict[str, Any], *indexes: str) -> None:
    nodes = explain(sql, params)
    seq = {node["Relation Name"] for node in nodes if node["Node Type"] == "Seq Scan"}
    assert not seq & BIG_TABLES, f"sequential scan of {seq & BIG_TABLES}"
    used = {node.get("Index Name") for node in nodes} - {None}
    assert set(indexes) <= used, f"{indexes} not all in {used}"


def test_processing_times_read_ranges_of_the_moves_indexes(params):
    sql = figures.PROCESSING_SQL.format(assignee="")
    assert_indexed(sql, params, "reports_move_at", "reports_move_decision_at")
    only_index = [node for node in explain(sql, params) if node.get("Index Name", "").startswith("reports_move")]
    assert {node["Node Type"] for node in only_index} == {"Index Only Scan"}


def test_processing_times_of_one_clerk_find_her_expedientes_by_index(params):
    assert_indexed(figures.PROCESSING_SQL.format(assignee=figures.ASSIGNEE_MOVES), params, "reports_move_at")


def test_throughput_counts_arrivals_and_decisions_from_indexes(params):
    sql = figures.THROUGHPUT_SQL.format(assignee_expedientes="", assignee_moves="")
    assert_indexed(sql, params, "expedientes_created", "reports_move_decision_at")


def test_service_level_reads_counters_and_the_newest_rows(params):
    sql = figures.SERVICE_LEVEL_SQL
    assert_indexed(sql, {**params, "tally": "expedientes_expediente:assigned_to_id,estado", "k1": "1"})
    assert_indexed(figures.OLDEST_OF_ASSIGNEE_SQL, params, "expedientes_open_assignee")
    assert_indexed(figures.OLDEST_SQL, params, "expedientes_estado_created")


def test_everyones_processing_times_read_one_index_range_per_group(params):
    nodes = explain(figures.PROCESSING_ALL_SQL, params)
    seq = {node["Relation Name"] for node in nodes if node["Node Type"] == "Seq Scan"}
    assert not seq & BIG_TABLES, f"sequential scan of {seq & BIG_TABLES}"
    scans = [node for node in nodes if node.get("Relation Name") == "reports_expedientemove"]
    # Five estados left, two outcomes and all decisions: each its own range, nothing filtered after.
    assert len(scans) == len(figures.LEFT_ESTADOS) + len(figures.DECISIONS) + 1
    assert {node["Node Type"] for node in scans} == {"Index Only Scan"}
    assert [node["Index Name"] for node in scans].count("reports_move_from_at") == len(figures.LEFT_ESTADOS)
    assert [node["Index Name"] for node in scans].count("reports_move_outcome_at") == len(figures.DECISIONS)
    assert "reports_move_decision_at" in {node["Index Name"] for node in scans}
    assert not [node for node in scans if "Filter" in node]
    # No sort of the rows into groups: each percentile sorts its own values inside its aggregate.
    assert "Sort" not in {node["Node Type"] for node in nodes}


def _daily_params(params: dict[str, Any], *kinds: str) -> dict[str, Any]:
    return {"first": params["start"].date(), "last": params["end"].date(), "kinds": list(kinds)}


def test_everyones_throughput_and_orders_read_the_daily_counters(params):
    for kinds in (figures.THROUGHPUT_KINDS, ("order",)):
        nodes = explain(daily.WEEKLY_SQL, _daily_params(params, *kinds))
        relations = {node.get("Relation Name") for node in nodes} - {None}
        assert relations == {"reports_dailycount"}, relations
        assert not BIG_TABLES & relations


def test_one_clerks_throughput_still_counts_her_rows_by_index(params):
    sql = figures.THROUGHPUT_SQL.format(
        assignee_expedientes="AND e.assigned_to_id = %(assignee)s", assignee_moves=figures.ASSIGNEE_MOVES
    )
    assert_indexed(sql, params)


def test_webhook_deliveries_per_day_come_from_the_settled_index(params):
    assert_indexed(figures.WEBHOOKS_SQL, params, "events_delivery_settled")
