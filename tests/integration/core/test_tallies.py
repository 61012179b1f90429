"""core_tally: counters kept exact by triggers through every kind of write (reading them: test_tally_reads)."""

from __future__ import annotations

import importlib
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction

from core import tallies
from events.models import AuditEvent, Event
from expedientes import services as expedientes_services
from expedientes.models import Expediente
from orders import services as orders_services
from orders.models import Order
from tests.support.concurrency import run_concurrently
from tests.support.tallies import COUNTED, assert_tallies_exact, from_tally, order_of

pytestmark = pytest.mark.django_db

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

    pending = order_of(citizen, product, 2)
    confirmed = order_of(other_citizen, product, 3)
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
    before = {spec.name: from_tally(spec) for table in COUNTED for spec in tallies.specs_for(table)}
    with pytest.raises(RuntimeError), transaction.atomic():
        make_expediente(citizen, estado="aprobado")
        order_of(citizen, product)
        raise RuntimeError("the request failed")
    after = {spec.name: from_tally(spec) for table in COUNTED for spec in tallies.specs_for(table)}
    assert after == before
    assert_tallies_exact()


def test_truncate_resets_the_counters_of_the_truncated_tables(citizen, make_expediente, product):
    make_expediente(citizen)
    order_of(citizen, product)
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

    def work(index: int) -> None:
        for n in range(per_thread):
            owner = owners[(index + n) % len(owners)]
            expediente = expedientes_services.create_expediente(
                actor=owner, numero=f"CC-{index}-{n}", solicitante="Ana"
            )
            if n % 3 == 0:
                expedientes_services.transition_expediente(expediente_id=expediente.pk, actor=clerk, to="en_revision")

    # Any writer's error is raised here (run_concurrently returns every result or raises).
    run_concurrently([lambda index=index: work(index) for index in range(threads_count)])
    assert_tallies_exact()
    counts = tallies.read(["expedientes_expediente:estado"])
    assert sum(n for n, _ in counts.values()) == threads_count * per_thread
    assert counts_by_key(counts)["en_revision"] == threads_count * 5


def counts_by_key(counters: dict[tuple[str, str, str], tuple[int, Any]]) -> dict[str, int]:
    folded: dict[str, int] = defaultdict(int)
    for (_, k1, _), (n, _) in counters.items():
        folded[k1] += n
    return folded
