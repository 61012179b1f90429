"""The hot queries' plans: an index, never a sequential scan of a big table.

Tens of thousands of rows (inserted with ``generate_series``, then VACUUM ANALYZE, as autovacuum would
leave a live table: it also brings the trigram index's own statistics up to date) are enough for the
planner to cost a table as big: a plan that loses its index shows up here as a ``Seq Scan``. The
querysets are the ones the API and the admin build (filtersets, selectors, the paginator's cursor
condition), explained with ``EXPLAIN (FORMAT JSON)``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.db.models import QuerySet
from django.test import RequestFactory

from accounts.models import User
from core.pagination import Pagination
from events.filters import AuditEventFilter, EventFilter
from events.models import AuditEvent, Event
from expedientes.filters import ExpedienteFilter
from expedientes.models import Expediente
from expedientes.selectors import expedientes_visible_to, search_expedientes
from orders.filters import OrderFilter
from orders.models import Order
from tests.support.plans import committed_tables, explain, plan_nodes, users_sql

pytestmark = pytest.mark.integration

ROWS = 40_000
BIG_TABLES = {"expedientes_expediente", "events_auditevent", "events_event", "orders_order"}

FILL = f"""{users_sql("plan", 200)}
INSERT INTO expedientes_expediente (created_at, updated_at, version, numero, solicitante, concepto, estado,
                                    owner_id, assigned_to_id)
SELECT now() - make_interval(secs => {ROWS} - g), now() - make_interval(secs => {ROWS} - g), 1,
       'EXP-2024-' || lpad(g::text, 7, '0'),
       (ARRAY['José', 'María', 'Inés', 'Raúl', 'Ángel'])[1 + g % 5] || ' '
           || CASE WHEN g % 4000 = 7 THEN 'Quiñones' ELSE (ARRAY['García', 'Núñez', 'Pérez', 'Díaz'])[1 + g % 4] END,
       (ARRAY['Licencia de obra menor', 'Subvención de fachada', 'Reclamación por daños'])[1 + g % 3],
       CASE WHEN g % 200 = 0 THEN 'archivado' ELSE (ARRAY['iniciado', 'en_revision', 'aprobado'])[1 + g % 3] END,
       (SELECT min(id) FROM accounts_user) + 5 + g % 195, NULL
FROM generate_series(1, {ROWS}) AS g;

INSERT INTO events_auditevent (actor_id, entity_type, entity_id, action, changes, request_id, created_at)
SELECT g % 200, CASE WHEN g % 2 = 0 THEN 'expediente' ELSE 'order' END, (g / 2)::text,
       CASE WHEN g % 250 = 0 THEN 'delete' WHEN g % 3 = 0 THEN 'transition' ELSE 'create' END,
       '{{}}'::jsonb, NULL, now() - make_interval(secs => {ROWS} - g)
FROM generate_series(1, {ROWS}) AS g;

INSERT INTO events_event (type, data, created_at)
SELECT CASE WHEN g % 250 = 0 THEN 'expediente.deleted' WHEN g % 2 = 0 THEN 'expediente.created'
            ELSE 'order.created' END,
       '{{}}'::jsonb, now() - make_interval(secs => {ROWS} - g)
FROM generate_series(1, {ROWS}) AS g;

INSERT INTO orders_order (created_at, updated_at, version, status, total, currency, shipping_address, user_id)
SELECT now() - make_interval(secs => {ROWS} - g), now() - make_interval(secs => {ROWS} - g), 1,
       CASE WHEN g % 200 = 0 THEN 'rejected' ELSE (ARRAY['pending', 'confirmed', 'delivered'])[1 + g % 3] END,
       g % 500, 'EUR', 'calle Mayor ' || g, (SELECT min(id) FROM accounts_user) + 5 + g % 195
FROM generate_series(1, {ROWS}) AS g;
"""  # noqa: S608 - module constants only
TABLES = "events_event, events_auditevent, orders_order, expedientes_expediente, accounts_user"


@pytest.fixture(scope="module")
def big_tables(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Committed once for the module (a rollback per test would re-insert them every time)."""
    with committed_tables(
        django_db_blocker,
        TABLES,
        FILL,
        # Statistics from every row, not a random sample of them: the same plans on every run.
        "SET default_statistics_target = 1000",
        f"VACUUM ANALYZE {TABLES}",
        "RESET default_statistics_target",
    ):
        yield


def assert_indexed(queryset: QuerySet, *index_prefixes: str) -> list[dict[str, Any]]:
    """No sequential scan of a big table; when given, one of the indexes named is used."""
    nodes = plan_nodes(queryset.explain(format="json"))
    seq = [node["Relation Name"] for node in nodes if node["Node Type"] == "Seq Scan"]
    assert not set(seq) & BIG_TABLES, f"sequential scan of {seq}: {nodes[0]}"
    if index_prefixes:
        used = {node.get("Index Name", "") for node in nodes}
        assert any(name.startswith(index_prefixes) for name in used), f"none of {index_prefixes} in {used}"
    return nodes


@pytest.fixture
def staff(big_tables: None, db: None) -> User:
    return User.objects.filter(role="clerk").first()  # type: ignore[return-value]


def expedientes(staff: User, **params: str) -> QuerySet[Expediente]:
    return ExpedienteFilter(data=params, queryset=expedientes_visible_to(staff)).qs.order_by("-created_at", "-id")


def test_expedientes_list_walks_the_created_index(staff: User) -> None:
    assert_indexed(expedientes(staff)[:21], "expedientes_created")


def test_expedientes_estado_filter_uses_an_estado_index(staff: User) -> None:
    assert_indexed(expedientes(staff, estado="archivado")[:21], "expedientes_estado")


def test_expedientes_search_common_term_is_not_a_table_scan(staff: User) -> None:
    assert_indexed(expedientes(staff, search="garcia")[:21])


@pytest.mark.parametrize("term", ["QUIÑONES", "quinones", "EXP-2024-0012345", "2024-0012345"])
def test_expedientes_search_rare_term_uses_the_trigram_index(staff: User, term: str) -> None:
    assert_indexed(expedientes(staff, search=term)[:21], "expedientes_search_trgm")
    assert expedientes(staff, search=term).exists()


def test_expedientes_search_counts_through_the_trigram_index(staff: User) -> None:
    assert_indexed(expedientes(staff, search="quiñones").order_by(), "expedientes_search_trgm")


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).upper()


@pytest.fixture(scope="module")
def folded(big_tables: None, django_db_blocker: Any) -> list[tuple[int, str]]:
    """Every expediente's searched columns, folded in Python and joined by a line break (no term holds
    one, so a term is in the joined text exactly when it is in one of the columns)."""
    with django_db_blocker.unblock():
        rows = Expediente.objects.values_list("pk", "numero", "solicitante", "concepto")
        return [(pk, "\n".join(_fold(field) for field in fields)) for pk, *fields in rows]


@pytest.mark.parametrize(
    "text", ["ñ", "AN", "Ía", "01", "-0", "ab quiñones", "Ñ garcía", "%", "_", "\\", "gar%ía", "gar_ia", "arc%"]
)
def test_expedientes_search_short_terms_are_still_correct(
    staff: User, folded: list[tuple[int, str]], text: str
) -> None:
    """Terms without a trigram take the unindexed path: same answers, case and accents ignored; LIKE's
    wildcards and escape in a term are plain characters on both paths."""
    expected = {pk for pk, fields in folded if all(_fold(term) in fields for term in text.split())}
    assert set(search_expedientes(Expediente.objects.all(), text).values_list("pk", flat=True)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "EXP-2024-0012345",
        "2024-00123",
        "exp-2024",
        "EXP-2024-001",
        "-003",
        "obra-menor",
        "josé-garcía",
        "100%-obra",
        "Licencia-de",
        "de-f",
        "\uff05-00",  # a fullwidth percent unaccents to "%": still a plain character, so no row
        "E\uff05P-2024-001",
    ],
)
def test_expedientes_search_terms_of_several_words_are_correct(
    staff: User, folded: list[tuple[int, str]], text: str
) -> None:
    """Such a term gives the index its long words only (or its longest), and is checked whole after."""
    expected = {pk for pk, fields in folded if _fold(text) in fields}
    assert set(search_expedientes(Expediente.objects.all(), text).values_list("pk", flat=True)) == expected


def test_a_numero_gives_the_trigram_index_its_long_word_only(staff: User) -> None:
    """The short words of a numero (EXP, 2024) are in every row: their trigrams would read the index whole."""
    nodes = assert_indexed(expedientes(staff, search="EXP-2024-0012345")[:21], "expedientes_search_trgm")
    conditions = [node["Index Cond"] for node in nodes if node.get("Index Name") == "expedientes_search_trgm"]
    assert conditions
    assert all("0012345" in condition and "2024" not in condition for condition in conditions), conditions
    assert any("strpos" in str(node.get("Filter", "")) for node in nodes), nodes


@pytest.mark.parametrize("term", ["EXP-2024-001", "2024-001"])
def test_a_numero_prefix_sorts_the_rows_its_last_word_finds(staff: User, term: str) -> None:
    """``EXP-2024-001`` matches the rows created together a quarter of the table ago: the page reads
    the index for ``-001`` and sorts what it finds, instead of walking newest-first past them."""
    nodes = assert_indexed(expedientes(staff, search=term)[:21], "expedientes_search_trgm")
    assert "expedientes_created" not in {node.get("Index Name") for node in nodes}, nodes[0]
    conditions = [node["Index Cond"] for node in nodes if node.get("Index Name") == "expedientes_search_trgm"]
    assert all("-001" in condition and "2024" not in condition for condition in conditions), conditions
    assert any("~~~" in str(node.get("Filter", "")) for node in nodes), nodes


@pytest.mark.parametrize("term", ["EXP-2024", "EXP-2024-003", "EXP-2023-00"])
def test_a_prefix_the_newest_rows_hold_walks_the_created_index(staff: User, term: str) -> None:
    """``EXP-2024`` is in every row, ``EXP-2024-003`` in the newest quarter: the walk's first rows
    are the page. ``EXP-2023-00`` is in no row, but ``-00`` is in all: sorting the rows the index
    finds would read the whole table, the walk reads as much and no more."""
    nodes = assert_indexed(expedientes(staff, search=term)[:21], "expedientes_created")
    assert not any("~~~" in str(node.get("Filter", "")) for node in nodes), nodes


def _assert_deep_cursor_page_is_a_range_of(queryset: QuerySet[Expediente], index: str) -> None:
    """The page after the 100th oldest row (~40k rows deep unfiltered) reads ``index`` from the
    cursor's row comparison on, and holds the rows a plain filter finds."""
    deep = queryset.order_by("created_at", "id")[100]
    values = [deep.created_at.isoformat(), str(deep.pk)]
    condition = Pagination()._after(["-created_at", "-id"], values, queryset)
    nodes = assert_indexed(queryset.filter(condition)[:21], index)
    conds = " ".join(node.get("Index Cond", "") for node in nodes)
    assert "ROW(created_at, id) <" in conds, conds
    assert [row.pk for row in queryset.filter(condition)[:3]] == [
        row.pk for row in queryset.filter(created_at__lte=deep.created_at).exclude(pk__gte=deep.pk)[:3]
    ]


def test_expedientes_cursor_deep_page_is_an_index_range(staff: User) -> None:
    _assert_deep_cursor_page_is_a_range_of(expedientes(staff), "expedientes_created")


def test_expedientes_cursor_deep_page_of_one_estado_is_an_index_range(staff: User) -> None:
    """With ``estado`` too, the cursor's row comparison bounds the (estado, created_at, id) index."""
    _assert_deep_cursor_page_is_a_range_of(expedientes(staff, estado="en_revision"), "expedientes_estado_created")


def test_expedientes_admin_changelist_search_uses_the_trigram_index(staff: User) -> None:
    model_admin = site._registry[Expediente]
    request = RequestFactory().get("/admin/expedientes/expediente/", {"q": "quiñones"})
    request.user = staff
    queryset, _ = model_admin.get_search_results(request, model_admin.get_queryset(request), "quiñones")
    assert_indexed(queryset.order_by("-created_at", "-id")[:50], "expedientes_search_trgm")


def test_audit_events_by_action_use_the_action_index(big_tables: None, db: None) -> None:
    queryset = AuditEventFilter(data={"action": "delete"}, queryset=AuditEvent.objects.all()).qs
    assert_indexed(queryset.order_by("-created_at", "-id")[:21], "events_audit_action_created")


def test_audit_events_by_actor_and_entity_type_use_an_index(big_tables: None, db: None) -> None:
    for params in ({"actor": "17"}, {"entity_type": "order", "entity_id": "12"}):
        queryset = AuditEventFilter(data=params, queryset=AuditEvent.objects.all()).qs
        assert_indexed(queryset.order_by("-created_at", "-id")[:21], "events_audit_")


def test_events_filters_use_an_index(big_tables: None, db: None) -> None:
    queryset = EventFilter(data={"type": "expediente.deleted", "after": "30000"}, queryset=Event.objects.all()).qs
    assert_indexed(queryset.order_by("id")[:21], "events_event_")
    assert_indexed(Event.objects.order_by("created_at", "id")[:21], "events_event_created")


def test_orders_by_status_use_the_status_index(big_tables: None, db: None) -> None:
    queryset = OrderFilter(data={"status": "rejected"}, queryset=Order.objects.all()).qs
    assert_indexed(queryset.order_by("-created_at", "-id")[:21], "orders_order_status")


DELIVERIES = """
INSERT INTO events_webhookendpoint (created_at, updated_at, version, url, secret, previous_secret, events,
                                    description, active, disabled_reason, consecutive_failures)
VALUES (now(), now(), 1, 'https://hooks.example.com/plan', 'whsec_plan', '', ARRAY['*'], '', true, '', 0);

INSERT INTO events_webhookdelivery (status, attempt_count, schedule_start, next_attempt_at, lease_token,
                                    last_error, created_at, updated_at, event_id, endpoint_id)
SELECT CASE WHEN e.id % 100 = 0 THEN 'pending' ELSE 'succeeded' END, 1, 0,
       CASE WHEN e.id % 100 = 0 THEN now() ELSE NULL END, '', '', e.created_at, e.created_at, e.id,
       (SELECT max(id) FROM events_webhookendpoint)
FROM events_event AS e;

ANALYZE events_webhookdelivery;
"""


def test_the_webhook_claim_finds_due_deliveries_through_the_due_index(big_tables: None, db: None) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from events.delivery import CLAIM_SQL, LOST
    from events.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

    sql = CLAIM_SQL.format(
        delivery=WebhookDelivery._meta.db_table,
        attempt=WebhookAttempt._meta.db_table,
        event=Event._meta.db_table,
        endpoint=WebhookEndpoint._meta.db_table,
    )
    now = timezone.now()
    params = {"mine": [1], "more": 50, "now": now, "lease_until": now + timedelta(seconds=60), "lost": LOST}
    with connection.cursor() as cursor:
        cursor.execute(DELIVERIES)
    nodes = explain(sql, params)
    scanned = [node.get("Relation Name") for node in nodes if node["Node Type"] == "Seq Scan"]
    assert "events_webhookdelivery" not in scanned, scanned
    assert "events_event" not in scanned, scanned
    assert "events_delivery_due" in {node.get("Index Name") for node in nodes}
