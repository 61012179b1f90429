# ruff: noqa: S608 - the SQL is assembled from module constants only.
"""Per-day counters the database keeps for the weekly reports: ``reports_dailycount``.

Counting a year of expedientes, decisions or orders on every request means reading hundreds of
thousands of index entries. Instead, triggers add to one row per day and kind, in the same
transaction as every write (like ``core.tallies``), so a year's weeks are a few hundred rows:

- ``arrival``: expedientes by the UTC day they were created;
- ``aprobado`` and ``rechazado``: decisions (moves to that estado, ``reports_expedientemove``) by
  the UTC day they happened;
- ``order``: orders by the UTC day they were placed; ``amount`` is their revenue (the total of the
  ones ``confirmed``, ``approved``, ``shipped`` or ``delivered``, the dashboard's rule).

Inserts and deletes are statement-level triggers with transition tables (one grouped upsert per
statement); updates are row-level with a ``WHEN`` clause on the columns that move a row between
counters (an order's ``status``, ``total``, ``created_at``); ``TRUNCATE`` drops the table's kinds.
Like the tallies, a counter is spread over :data:`SLOTS` rows (``pg_backend_pid() % SLOTS``) so
concurrent writers rarely wait for each other, and readers sum the slots.

``REBUILD_SQL`` counts everything again from the rows, for a load that skipped the triggers
(``manage.py seed``). Migrations install these constants: once one does, they never change.
"""

from __future__ import annotations

from collections.abc import Callable

from core.tallies import counter_triggers_sql, drop_counter_triggers_sql

SLOTS = 16
KINDS = ("arrival", "aprobado", "rechazado", "order")
REVENUE = "('confirmed', 'approved', 'shipped', 'delivered')"


def _upsert(select: str) -> str:
    """Add ``select``'s (day, kind, n, amount) rows to the counters, in key order (no deadlocks)."""
    return f"""
  INSERT INTO reports_dailycount AS t (day, kind, slot, n, amount)
  SELECT d.day, d.kind, pg_backend_pid() % {SLOTS}, d.n, d.amount
  FROM ({select}) AS d (day, kind, n, amount)
  ORDER BY d.day, d.kind
  ON CONFLICT (day, kind, slot) DO UPDATE SET n = t.n + EXCLUDED.n, amount = t.amount + EXCLUDED.amount;"""


def _day(column: str) -> str:
    return f"({column} AT TIME ZONE 'UTC')::date"


def _arrivals(source: str, sign: str) -> str:
    return f"SELECT {_day('created_at')}, 'arrival', {sign}count(*), 0::numeric FROM {source} GROUP BY 1"


def _decisions(source: str, sign: str) -> str:
    return (
        f"SELECT {_day('at')}, to_estado::text, {sign}count(*), 0::numeric FROM {source} "
        "WHERE to_estado IN ('aprobado', 'rechazado') GROUP BY 1, 2"
    )


def _orders(source: str, sign: str) -> str:
    return (
        f"SELECT {_day('created_at')}, 'order', {sign}count(*), "
        f"{sign}coalesce(sum(total) FILTER (WHERE status IN {REVENUE}), 0) FROM {source} GROUP BY 1"
    )


def _row_change(old: str, new: str) -> str:
    """An UPDATE as the old row taken out and the new one put in (merged when on the same key)."""
    return (
        f"SELECT day, kind, sum(n), sum(amount) FROM ({old} UNION ALL {new}) AS c (day, kind, n, amount) GROUP BY 1, 2"
    )


# (table, trigger name, counted kinds, SELECT over a transition table, row-level UPDATE change, watched columns)
_TABLES = (
    (
        "expedientes_expediente",
        "reports_daily_arrivals",
        ("arrival",),
        _arrivals,
        _row_change(
            f"SELECT {_day('OLD.created_at')}, 'arrival', -1::bigint, 0::numeric",
            f"SELECT {_day('NEW.created_at')}, 'arrival', 1::bigint, 0::numeric",
        ),
        ("created_at",),
    ),
    (
        "reports_expedientemove",
        "reports_daily_decisions",
        ("aprobado", "rechazado"),
        _decisions,
        _row_change(
            f"SELECT {_day('OLD.at')}, OLD.to_estado::text, -1::bigint, 0::numeric "
            "WHERE OLD.to_estado IN ('aprobado', 'rechazado')",
            f"SELECT {_day('NEW.at')}, NEW.to_estado::text, 1::bigint, 0::numeric "
            "WHERE NEW.to_estado IN ('aprobado', 'rechazado')",
        ),
        ("at", "to_estado"),
    ),
    (
        "orders_order",
        "reports_daily_orders",
        ("order",),
        _orders,
        _row_change(
            f"SELECT {_day('OLD.created_at')}, 'order', -1::bigint, "
            f"-(CASE WHEN OLD.status IN {REVENUE} THEN OLD.total ELSE 0 END)::numeric",
            f"SELECT {_day('NEW.created_at')}, 'order', 1::bigint, "
            f"(CASE WHEN NEW.status IN {REVENUE} THEN NEW.total ELSE 0 END)::numeric",
        ),
        ("created_at", "status", "total"),
    ),
)


def _install(
    table: str,
    fn: str,
    kinds: tuple[str, ...],
    select: Callable[[str, str], str],
    change: str,
    watched: tuple[str, ...],
) -> str:
    changed = " OR ".join(f"OLD.{col} IS DISTINCT FROM NEW.{col}" for col in watched)
    names = ", ".join(f"'{kind}'" for kind in kinds)
    return counter_triggers_sql(
        table,
        fn,
        inserted=_upsert(select("new_rows", "")),
        deleted=_upsert(select("old_rows", "-")),
        updated=_upsert(change),
        changed=changed,
        truncated=f"DELETE FROM reports_dailycount WHERE kind IN ({names});",
    )


# Every counter from the rows, in slot 0 (the tables are locked against writes meanwhile).
COUNTS_FROM_ROWS_SQL = (
    "LOCK TABLE expedientes_expediente, reports_expedientemove, orders_order IN SHARE ROW EXCLUSIVE MODE;\n"
    "DELETE FROM reports_dailycount;\n"
    "INSERT INTO reports_dailycount (day, kind, slot, n, amount)\n"
    + "\nUNION ALL\n".join(
        f"SELECT d.day, d.kind, 0, d.n, d.amount FROM ({select(table, '')}) AS d (day, kind, n, amount)"
        for table, _fn, _kinds, select, _change, _watched in _TABLES
    )
    + ";\nANALYZE reports_dailycount;\n"
)

INSTALL_SQL = "".join(_install(*spec) for spec in _TABLES) + COUNTS_FROM_ROWS_SQL

UNINSTALL_SQL = "".join(drop_counter_triggers_sql(table, fn) for table, fn, *_rest in _TABLES)

REBUILD_SQL = COUNTS_FROM_ROWS_SQL

# A period's counters per week (weeks start on Monday; ``day`` is a date, so no time zone applies).
WEEKLY_SQL = """
SELECT c.kind, (date_trunc('week', c.day::timestamp))::date, sum(c.n)::bigint, sum(c.amount)
FROM reports_dailycount AS c
WHERE c.day >= %(first)s AND c.day <= %(last)s AND c.kind = ANY(%(kinds)s)
GROUP BY 1, 2
"""
