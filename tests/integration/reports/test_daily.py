"""reports_dailycount: the per-day counters the database keeps (arrivals, decisions, orders and their
revenue) equal a count of the rows after every kind of write, the rebuild and the seed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction

from expedientes import services
from reports.daily import REBUILD_SQL
from reports.selectors import REVENUE_STATUSES

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)  # a Sunday evening: the next day is another week

# What the counters must say, counted from the rows (days in UTC; revenue by the dashboard's rule).
RECOUNT_SQL = """
SELECT (created_at AT TIME ZONE 'UTC')::date, 'arrival', count(*), 0 FROM expedientes_expediente GROUP BY 1
UNION ALL
SELECT (at AT TIME ZONE 'UTC')::date, to_estado, count(*), 0 FROM reports_expedientemove
WHERE to_estado IN ('aprobado', 'rechazado') GROUP BY 1, 2
UNION ALL
SELECT (created_at AT TIME ZONE 'UTC')::date, 'order', count(*), coalesce(sum(total) FILTER (WHERE status = ANY(%s)), 0)
FROM orders_order GROUP BY 1
"""


def recount() -> dict[tuple, tuple[int, Decimal]]:
    with connection.cursor() as cursor:
        cursor.execute(RECOUNT_SQL, [[status.value for status in REVENUE_STATUSES]])
        return {(day, kind): (int(n), Decimal(amount)) for day, kind, n, amount in cursor.fetchall()}


def counters() -> dict[tuple, tuple[int, Decimal]]:
    """The counters summed over their slots; a day whose rows all went away may keep a zero row."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT day, kind, sum(n), sum(amount) FROM reports_dailycount GROUP BY 1, 2")
        return {(day, kind): (int(n), Decimal(amount)) for day, kind, n, amount in cursor.fetchall() if n or amount}


def assert_exact() -> dict[tuple, tuple[int, Decimal]]:
    expected = recount()
    assert counters() == expected
    return expected


def insert_orders(user_id: int, rows: list[tuple[datetime, str, str]]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            """INSERT INTO orders_order (created_at, updated_at, version, status, total, currency,
                                         shipping_address, user_id)
               VALUES (%s, now(), 1, %s, %s, 'EUR', '', %s)""",
            [(at, status, Decimal(total), user_id) for at, status, total in rows],
        )


def test_counters_follow_services_and_bulk_writes(citizen, clerk):
    with time_machine.travel(T0, tick=False) as clock:
        made = [services.create_expediente(actor=citizen, numero=f"EXP-D-{n}", solicitante="Ana") for n in range(4)]
        clock.shift(timedelta(hours=3))  # Monday 01:00: decided a day (and a week) after they arrived
        for expediente, outcome in zip(made, ("aprobado", "rechazado", "aprobado", None), strict=True):
            services.transition_expediente(expediente_id=expediente.pk, actor=clerk, to="en_revision")
            if outcome:
                services.transition_expediente(expediente_id=expediente.pk, actor=clerk, to=outcome)
        services.transition_expediente(expediente_id=made[0].pk, actor=clerk, to="archivado")
    expected = assert_exact()
    day0, day1 = T0.date(), (T0 + timedelta(hours=3)).date()
    assert expected == {
        (day0, "arrival"): (4, Decimal(0)),
        (day1, "aprobado"): (2, Decimal(0)),
        (day1, "rechazado"): (1, Decimal(0)),
    }

    # Orders: placed (one statement), moved between statuses in and out of revenue, re-dated, re-priced, deleted.
    insert_orders(
        citizen.pk,
        [
            (T0, "pending", "10.00"),
            (T0, "confirmed", "20.50"),
            (T0 + timedelta(hours=3), "delivered", "7.25"),
            (T0 + timedelta(hours=3), "cancelled", "99.00"),
        ],
    )
    assert assert_exact()[day0, "order"] == (2, Decimal("20.50"))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE orders_order SET status = 'confirmed' WHERE status = 'pending'")
        cursor.execute("UPDATE orders_order SET status = 'cancelled' WHERE total = 7.25")
        assert assert_exact()[day1, "order"] == (2, Decimal("0.00"))
        cursor.execute("UPDATE orders_order SET total = total + 1 WHERE status = 'confirmed'")
        cursor.execute("UPDATE orders_order SET created_at = created_at + interval '1 day' WHERE total = 11.00")
        cursor.execute("UPDATE orders_order SET updated_at = now()")  # no counted column: nothing to do
        assert_exact()
        cursor.execute("DELETE FROM orders_order WHERE total = 99.00")
        assert assert_exact()[day1, "order"] == (2, Decimal("11.00"))

        # Expedientes re-dated and deleted; a decision's move taken away.
        cursor.execute(
            "UPDATE expedientes_expediente SET created_at = created_at - interval '2 days' WHERE id = %s", [made[1].pk]
        )
        cursor.execute("DELETE FROM expedientes_expediente WHERE id = %s", [made[3].pk])
        cursor.execute("DELETE FROM reports_expedientemove WHERE to_estado = 'rechazado'")
    final = assert_exact()
    assert final[day0, "arrival"] == (2, Decimal(0))
    assert (day1, "rechazado") not in final


def test_a_rolled_back_write_and_a_truncate_leave_exact_counters(citizen):
    insert_orders(citizen.pk, [(T0, "confirmed", "5.00")])
    before = counters()
    with pytest.raises(RuntimeError), transaction.atomic():
        insert_orders(citizen.pk, [(T0, "confirmed", "8.00")])
        raise RuntimeError("the request failed")
    assert counters() == before
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE orders_order CASCADE")
    assert not [key for key in counters() if key[1] == "order"]
    assert_exact()


def test_the_rebuild_equals_what_the_triggers_kept(citizen, clerk):
    with time_machine.travel(T0, tick=False) as clock:
        for n in range(3):
            expediente = services.create_expediente(actor=citizen, numero=f"EXP-D-R{n}", solicitante="Ana")
            clock.shift(timedelta(hours=5))
            services.transition_expediente(expediente_id=expediente.pk, actor=clerk, to="en_revision")
            services.transition_expediente(
                expediente_id=expediente.pk, actor=clerk, to=("aprobado", "rechazado")[n % 2]
            )
    insert_orders(citizen.pk, [(T0, "approved", "3.10"), (T0 + timedelta(days=1), "pending", "4.00")])
    kept = assert_exact()
    with connection.cursor() as cursor:
        cursor.execute(REBUILD_SQL)
    assert counters() == kept


@pytest.mark.django_db(transaction=True)
def test_seed_counts_the_days_it_loaded_without_triggers():
    call_command(
        "seed", seed=5, reset=True, expedientes=150, orders=40, users=20, clerks=2, products=5, no_progress=True
    )
    expected = assert_exact()
    kinds = {kind for _day, kind in expected}
    assert {"arrival", "order"} <= kinds
    assert kinds & {"aprobado", "rechazado"}
    assert sum(n for (_day, kind), (n, _) in expected.items() if kind == "arrival") == 150
