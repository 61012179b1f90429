"""core_tally: counters kept exact by triggers through every kind of write, and read by page-mode
lists only when they cover the query's filters exactly."""

from __future__ import annotations

import importlib
import threading
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from core import counts, tallies
from events.models import AuditEvent, Event
from events.services import record
from expedientes import services as expedientes_services
from expedientes.models import Expediente
from expedientes.selectors import expedientes_visible_to, search_expedientes
from orders import services as orders_services
from orders.models import Order, Product
from tests.support.expedientes import expediente_factory

pytestmark = pytest.mark.django_db

COUNTED = ("expedientes_expediente", "orders_order", "events_auditevent", "events_event")


def _from_rows(spec: tallies.TallySpec) -> dict[tuple[str, str], tuple[int, Decimal]]:
    columns = ", ".join(f"{column}::text" for column in spec.columns)
    amount = f"SUM({spec.amount})" if spec.amount else "0"
    not_null = " AND ".join(f"{column} IS NOT NULL" for column in spec.columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, COUNT(*), {amount} FROM {spec.table} WHERE {not_null} GROUP BY {columns}"  # noqa: S608
        )
        result = {}
        for row in cursor.fetchall():
            keys, n, total = row[: len(spec.columns)], row[-2], row[-1]
            result[(keys[0], keys[1] if len(keys) > 1 else "")] = (n, Decimal(total or 0))
        return result


def _from_tally(spec: tallies.TallySpec) -> dict[tuple[str, str], tuple[int, Decimal]]:
    counters = tallies.read([spec.name])
    return {(k1, k2): (n, Decimal(amount)) for (_, k1, k2), (n, amount) in counters.items() if n or amount}


def assert_tallies_exact() -> int:
    """Every registered counter equals a GROUP BY over its table; returns how many were checked."""
    checked = 0
    for table in COUNTED:
        specs = tallies.specs_for(table)
        assert specs, table
        for spec in specs:
            assert _from_tally(spec) == _from_rows(spec), spec.name
            checked += 1
    return checked


@pytest.fixture
def make_expediente(clerk: Any):
    return expediente_factory(clerk, "TALLY")


@pytest.fixture
def product() -> Product:
    return Product.objects.create(name="Lápiz", price=Decimal("2.50"), stock=10_000)


def _order(user: Any, product: Product, quantity: int = 1) -> Order:
    return orders_services.create_order(user=user, items=[{"product_id": product.pk, "quantity": quantity}])


# --- exact through every kind of write -------------------------------------------------------------


def test_counters_follow_creates_transitions_reassignments_and_deletes(
    citizen, other_citizen, clerk, make_expediente, product
):
    first = make_expediente(citizen)
    second = make_expediente(citizen, estado="aprobado")
    make_expediente(other_citizen, estado="en_revision")
    assert assert_tallies_exact() == 9
    assert tallies.read(["expedientes_expediente:estado"])[("expedientes_expediente:estado", "aprobado", "")][0] == 1

    # Owner and assignee change (admin and bulk writers bypass the services): a plain UPDATE.
    Expediente.objects.filter(pk=second.pk).update(owner=other_citizen, assigned_to=clerk)
    Expediente.objects.filter(pk=first.pk).update(assigned_to=clerk, estado="rechazado")
    assert_tallies_exact()
    Expediente.objects.filter(pk=first.pk).update(assigned_to=None)
    # An update of no counted column touches no counter (and still leaves them exact).
    Expediente.objects.filter(pk=second.pk).update(concepto="otro")
    assert_tallies_exact()

    third = make_expediente(citizen)
    expedientes_services.delete_expediente(expediente_id=third.pk, actor=citizen)
    assert_tallies_exact()

    pending = _order(citizen, product, 2)
    confirmed = _order(other_citizen, product, 3)
    orders_services.transition_order(actor=other_citizen, order_id=confirmed.pk, action="confirm")
    orders_services.transition_order(actor=clerk, order_id=pending.pk, action="approve")
    Order.objects.filter(pk=pending.pk).update(total=Decimal("99.99"))  # the amount alone changes
    assert_tallies_exact()
    Order.objects.filter(pk=confirmed.pk).delete()
    assert_tallies_exact()
    assert AuditEvent.objects.exists()
    assert Event.objects.exists()


def test_bulk_sql_insert_update_and_delete_are_counted(citizen, other_citizen):
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO expedientes_expediente
                 (created_at, updated_at, version, numero, solicitante, concepto, estado, owner_id)
               SELECT now(), now(), 1, 'BULK-' || g, 'Ana', '',
                      (ARRAY['iniciado', 'aprobado', 'archivado'])[1 + g %% 3],
                      CASE WHEN g %% 4 = 0 THEN %s ELSE %s END
               FROM generate_series(1, 500) g""",
            [citizen.pk, other_citizen.pk],
        )
        assert_tallies_exact()
        cursor.execute("UPDATE expedientes_expediente SET estado = 'rechazado' WHERE numero LIKE 'BULK-1%%'")
        cursor.execute("DELETE FROM expedientes_expediente WHERE numero LIKE 'BULK-2%%'")
    assert_tallies_exact()
    counts = tallies.read(["expedientes_expediente:estado"])
    assert sum(n for n, _ in counts.values()) == Expediente.objects.count() == 500 - 111


def test_a_rolled_back_write_leaves_the_counters_as_they_were(citizen, make_expediente, product):
    make_expediente(citizen)
    before = {spec.name: _from_tally(spec) for table in COUNTED for spec in tallies.specs_for(table)}
    with pytest.raises(RuntimeError), transaction.atomic():
        make_expediente(citizen, estado="aprobado")
        _order(citizen, product)
        raise RuntimeError("the request failed")
    after = {spec.name: _from_tally(spec) for table in COUNTED for spec in tallies.specs_for(table)}
    assert after == before
    assert_tallies_exact()


def test_truncate_resets_the_counters_of_the_truncated_tables(citizen, make_expediente, product):
    make_expediente(citizen)
    _order(citizen, product)
    with connection.cursor() as cursor:
        # Django's foreign keys are deferred: run their checks now, TRUNCATE refuses pending ones.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE orders_order CASCADE")
    assert tallies.read(["orders_order:status", "orders_order:user_id,status"]) == {}
    assert tallies.read(["expedientes_expediente:estado"])  # other tables keep theirs
    assert_tallies_exact()


def test_the_migration_counts_the_rows_that_exist_before_the_triggers(citizen):
    migration = importlib.import_module("expedientes.migrations.0003_tally_triggers")
    with connection.cursor() as cursor:
        cursor.execute(tallies.uninstall_sql(migration.TABLE, migration.SPECS))
        for n in range(7):
            Expediente.objects.create(numero=f"OLD-{n}", solicitante="Ana", owner=citizen, estado="aprobado")
        assert tallies.read(["expedientes_expediente:estado"]) == {}
        cursor.execute(tallies.install_sql(migration.TABLE, migration.SPECS))
    assert_tallies_exact()
    Expediente.objects.create(numero="NEW-1", solicitante="Ana", owner=citizen)
    assert_tallies_exact()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_from_many_sessions_keep_the_counters_exact(make_user):
    owners = [make_user("citizen") for _ in range(2)]
    clerk = make_user("clerk")
    threads_count, per_thread = 6, 15
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait()
            for n in range(per_thread):
                owner = owners[(index + n) % len(owners)]
                expediente = expedientes_services.create_expediente(
                    actor=owner, numero=f"CC-{index}-{n}", solicitante="Ana"
                )
                if n % 3 == 0:
                    expedientes_services.transition_expediente(
                        expediente_id=expediente.pk, actor=clerk, to="en_revision"
                    )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(index,)) for index in range(threads_count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert_tallies_exact()
    counts = tallies.read(["expedientes_expediente:estado"])
    assert sum(n for n, _ in counts.values()) == threads_count * per_thread
    assert counts_by_key(counts)["en_revision"] == threads_count * 5


def counts_by_key(counters: dict[tuple[str, str, str], tuple[int, Any]]) -> dict[str, int]:
    folded: dict[str, int] = defaultdict(int)
    for (_, k1, _), (n, _) in counters.items():
        folded[k1] += n
    return folded


# --- which queries the counters answer ----------------------------------------------------------


def test_exact_count_answers_only_the_filters_a_counter_covers(citizen, other_citizen, clerk, make_expediente):
    for estado in ("iniciado", "aprobado", "aprobado", "rechazado"):
        make_expediente(citizen, estado=estado)
    make_expediente(other_citizen, estado="aprobado")
    Expediente.objects.filter(numero__endswith="0001").update(assigned_to=clerk)
    every = Expediente.objects.all()

    covered = [
        every,
        every.filter(estado="aprobado"),
        every.filter(estado__in=["aprobado", "rechazado"]),
        every.filter(owner=citizen),
        every.filter(owner_id=citizen.pk, estado__in=["aprobado", "iniciado"]),
        every.filter(assigned_to=clerk.pk),
        every.filter(assigned_to=clerk.pk, estado="iniciado"),
        every.filter(owner=citizen).filter(owner=other_citizen),  # nothing matches both
        every.filter(estado="aprobado").filter(estado__in=["aprobado", "iniciado"]),
        expedientes_visible_to(citizen),  # a citizen's own list, annotated
        expedientes_visible_to(clerk).filter(estado="aprobado").order_by("numero"),
    ]
    for queryset in covered:
        assert counts.exact_count(queryset) == queryset.count(), str(queryset.query)

    not_covered = [
        every.filter(numero="TALLY-0001"),
        every.filter(estado__startswith="apro"),
        every.exclude(estado="aprobado"),
        every.filter(owner=citizen) | every.filter(estado="aprobado"),
        every.filter(assigned_to__isnull=True),
        every.filter(owner=citizen, assigned_to=clerk),
        every.filter(owner__role="citizen"),
        every.filter(created_at__gte="2000-01-01T00:00:00Z"),
        search_expedientes(every, "Pérez"),
        every.filter(estado="aprobado").distinct(),
        every.filter(owner=citizen)[:2],
        every.none(),
    ]
    for queryset in not_covered:
        assert counts.exact_count(queryset) is None, str(queryset.query)


def test_audit_and_event_counters_answer_their_filters(citizen):
    record(actor=citizen, entity_type="order", entity_id=1, action="create", event_type="order.created", data={})
    record(actor=None, entity_type="expediente", entity_id=2, action="update", event_type="x.y", data={})
    audit = AuditEvent.objects.all()
    for queryset in (
        audit,
        audit.filter(action="create"),
        audit.filter(entity_type="order"),
        audit.filter(entity_type="order", action="create"),
        audit.filter(actor_id=citizen.pk),
        Event.objects.filter(type="order.created"),
    ):
        assert counts.exact_count(queryset) == queryset.count(), str(queryset.query)
    # actor_id is nullable: only a query that fixes it may use the per-actor counter.
    assert counts.exact_count(audit.filter(entity_id="1")) is None
    assert_tallies_exact()


# --- the lists' page mode -------------------------------------------------------------------------

LISTS = [
    ("/api/v1/expedientes", "expedientes_expediente"),
    ("/api/v1/expedientes?estado=aprobado,iniciado", "expedientes_expediente"),
    ("/api/v1/expedientes?owner={citizen}", "expedientes_expediente"),
    ("/api/v1/expedientes?assigned_to={clerk}&estado=aprobado", "expedientes_expediente"),
    ("/api/v1/orders", "orders_order"),
    ("/api/v1/orders?status=pending&user={citizen}", "orders_order"),
    ("/api/v1/audit-events?action=create", "events_auditevent"),
    ("/api/v1/audit-events?entity_type=expediente&action=transition", "events_auditevent"),
    ("/api/v1/events?type=expediente.created", "events_event"),
]
UNCOVERED = [
    "/api/v1/webhooks/deliveries?status=pending",
    "/api/v1/expedientes?search=perez",
    "/api/v1/expedientes?estado=aprobado&created_after=2000-01-01T00:00:00Z",
    "/api/v1/expedientes?owner={citizen}&assigned_to={clerk}",
    "/api/v1/orders?created_before=2100-01-01T00:00:00Z",
    "/api/v1/audit-events?entity_type=expediente&entity_id={first}",
    "/api/v1/events?after=1",
]


@pytest.fixture
def populated(citizen, other_citizen, clerk, make_expediente, product) -> dict[str, int]:
    first = make_expediente(citizen, estado="aprobado")
    make_expediente(citizen)
    make_expediente(other_citizen, estado="aprobado")
    make_expediente(other_citizen, estado="rechazado")
    Expediente.objects.filter(pk=first.pk).update(assigned_to=clerk)
    _order(citizen, product)
    _order(other_citizen, product)
    return {"citizen": citizen.pk, "clerk": clerk.pk, "first": first.pk}


@pytest.mark.parametrize(("url", "table"), LISTS)
def test_page_mode_totals_come_from_the_counters_and_equal_a_count(populated, admin_client_api, url, table):
    url = url.format(**populated)
    with CaptureQueriesContext(connection) as small:
        five = admin_client_api.get(f"{url}{'&' if '?' in url else '?'}per_page=5&page=1")
    with CaptureQueriesContext(connection) as large:
        hundred = admin_client_api.get(f"{url}{'&' if '?' in url else '?'}per_page=100&page=1")
    assert five.status_code == hundred.status_code == 200, five.content
    assert hundred.json()["total"] == len(hundred.json()["data"]) == five.json()["total"]
    assert len(small) == len(large)
    sql = [query["sql"] for query in large]
    assert any("core_tally" in statement for statement in sql)
    assert not any("COUNT(*)" in statement and f'"{table}"' in statement for statement in sql), sql


@pytest.mark.parametrize("url", UNCOVERED)
def test_filters_no_counter_covers_still_give_the_exact_count(populated, admin_client_api, url):
    url = url.format(**populated)
    with CaptureQueriesContext(connection) as captured:
        body = admin_client_api.get(f"{url}&per_page=100").json()
    assert body["total"] == len(body["data"])
    assert not any("core_tally" in query["sql"] for query in captured)


def test_a_citizens_own_list_total_comes_from_the_counters(populated, citizen_client, citizen):
    with CaptureQueriesContext(connection) as captured:
        body = citizen_client.get("/api/v1/expedientes?per_page=1").json()
    assert body["total"] == Expediente.objects.filter(owner=citizen).count() == 2
    assert body["has_next"] is True
    assert any("core_tally" in query["sql"] for query in captured)
