# ruff: noqa: S608 - SQL is built from identifiers checked by _ident() and quoted literals, never from input.
"""Exact counts that the database keeps: ``core_tally`` rows maintained by triggers.

A ``COUNT(*)`` over a million rows is a (parallel) scan on every request. Instead, each counted
table has triggers that add to ``core_tally`` in the same transaction as the write, so the counts
are exact in every snapshot, roll back with the write, and follow every writer (the ORM, the
admin, bulk SQL, ``COPY``). A page-mode ``total`` or the dashboard then reads a few dozen rows.

*What is counted* is a list of :class:`TallySpec`: a table and one or two of its columns
(``estado``; ``owner_id, estado``), optionally with the sum of an amount column. A spec with two
columns counts per pair of values; rows where a counted column is ``NULL`` are left out of that
spec (so such a spec only answers queries that fix that column).

*Contention*: one counter is spread over :data:`SLOTS` rows; a session writes to slot
``pg_backend_pid() % SLOTS`` and readers sum the slots. Concurrent writers from different
sessions therefore rarely wait for one another. Inside one statement the counter rows are
written in key order, so two statements never lock them in opposite orders.

*Triggers*: ``INSERT`` and ``DELETE`` are statement-level with transition tables (one grouped
upsert per statement, so a bulk insert or ``COPY`` of a million rows is one aggregate, not a
million upserts); ``UPDATE`` is row-level with a ``WHEN`` clause, so an update that changes no
counted column costs nothing; ``TRUNCATE`` drops the table's counters.

*Reading* (``core.counts.exact_count``) looks at a queryset's ``WHERE`` clause. When it is only equality or
``IN`` conditions on the base table's columns (joined by ``AND``) and one registered spec covers
those columns (every column of the spec that the query does not fix must be ``NOT NULL``), the
count is the sum of the matching counters; anything else (a search, a date range, a join, a
``DISTINCT``...) answers ``None`` and ``core.counts`` counts otherwise.

The SQL builders here are used by migrations; their output for a given spec must not change
(write a new builder instead), or old migrations would install something else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections

SLOTS = 16
TABLE = "core_tally"


@dataclass(frozen=True)
class TallySpec:
    table: str
    columns: tuple[str, ...]
    amount: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.columns) <= 2:
            raise ValueError("A tally counts by one or two columns.")

    @property
    def name(self) -> str:
        return f"{self.table}:{','.join(self.columns)}"


_REGISTRY: dict[str, list[TallySpec]] = {}


def register(*specs: TallySpec) -> None:
    """Declare counters the database keeps (their triggers come from a migration)."""
    for spec in specs:
        bucket = _REGISTRY.setdefault(spec.table, [])
        if spec not in bucket:
            bucket.append(spec)


def specs_for(table: str) -> list[TallySpec]:
    return list(_REGISTRY.get(table, []))


def counted_tables() -> list[str]:
    return sorted(_REGISTRY)


# --- reading ------------------------------------------------------------------------------------


def read(
    names: Iterable[str], using: str = "default", alongside: tuple[str, list[Any]] | None = None
) -> dict[tuple[str, str, str], tuple[int, Any]]:
    """``{(name, k1, k2): (count, amount)}`` for every counter of the given specs, in one query.

    ``alongside``: another ``(sql, params)`` whose rows have the same five columns (name, k1, k2, count,
    amount), read in the same statement (figures counted from a table that keeps no counters).
    """
    sql = f"SELECT name, k1, k2, SUM(n), SUM(amount) FROM {TABLE} WHERE name = ANY(%s) GROUP BY name, k1, k2"
    params: list[Any] = [list(names)]
    if alongside is not None:
        sql = f"{sql} UNION ALL {alongside[0]}"
        params += alongside[1]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return {(name, k1, k2): (int(n), amount) for name, k1, k2, n, amount in cursor.fetchall()}


# --- installing (used by migrations) -------------------------------------------------------------


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"Unexpected identifier {name!r}")
    return name


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _select_groups(specs: Sequence[TallySpec], source: str, sign: str) -> str:
    """One ``SELECT name, k1, k2, n, amount`` per spec over a transition table, grouped."""
    parts = []
    for spec in specs:
        cols = [f"{_ident(col)}::text" for col in spec.columns]
        k1 = cols[0]
        k2 = cols[1] if len(cols) > 1 else "''"
        amount = f"{sign}COALESCE(SUM({_ident(spec.amount)}), 0)" if spec.amount else "0"
        not_null = " AND ".join(f"{_ident(col)} IS NOT NULL" for col in spec.columns)
        group = ", ".join(str(i) for i in range(2, 2 + len(cols)))
        parts.append(
            f"SELECT {_literal(spec.name)}::text AS name, {k1} AS k1, {k2} AS k2, {sign}COUNT(*) AS n, "
            f"{amount}::numeric AS amount FROM {source} WHERE {not_null} GROUP BY {group}"
        )
    return "\n    UNION ALL ".join(parts)


def _upsert(select: str) -> str:
    return f"""
  INSERT INTO {TABLE} AS t (name, k1, k2, slot, n, amount)
  SELECT d.name, d.k1, d.k2, pg_backend_pid() % {SLOTS}, d.n, d.amount
  FROM ({select}) AS d
  ORDER BY d.name, d.k1, d.k2
  ON CONFLICT (name, k1, k2, slot) DO UPDATE SET n = t.n + EXCLUDED.n, amount = t.amount + EXCLUDED.amount;"""


def _row_values(specs: Sequence[TallySpec], record: str, sign: str) -> str:
    parts = []
    for spec in specs:
        cols = [f"{record}.{_ident(col)}::text" for col in spec.columns]
        k2 = cols[1] if len(cols) > 1 else "''"
        amount = f"{sign}COALESCE({record}.{_ident(spec.amount)}, 0)" if spec.amount else "0"
        not_null = " AND ".join(f"{record}.{_ident(col)} IS NOT NULL" for col in spec.columns)
        parts.append(
            f"SELECT {_literal(spec.name)}::text, {cols[0]}, {k2}, {sign}1::bigint, {amount}::numeric WHERE {not_null}"
        )
    return "\n      UNION ALL ".join(parts)


_EVENTS = ("insert", "delete", "update", "truncate")


def counter_triggers_sql(
    table: str, fn: str, *, inserted: str, deleted: str, updated: str, changed: str, truncated: str
) -> str:
    """The table locked against writes, then the four triggers (named ``{fn}_<event>``, as their
    functions) that keep counters of ``table`` in step with it.

    ``inserted`` and ``deleted`` are the statement-level functions' plpgsql over the transition tables
    ``new_rows`` and ``old_rows``, ``updated`` the row-level function's over ``OLD`` and ``NEW`` (each
    starting with a line break); the update trigger runs ``WHEN (changed)``; ``truncated`` is the one
    statement run on ``TRUNCATE``.
    """
    return f"""
LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE;

CREATE FUNCTION {fn}_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{inserted}
  RETURN NULL;
END $$;

CREATE FUNCTION {fn}_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{deleted}
  RETURN NULL;
END $$;

CREATE FUNCTION {fn}_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{updated}
  RETURN NULL;
END $$;

CREATE FUNCTION {fn}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {truncated}
  RETURN NULL;
END $$;

CREATE TRIGGER {fn}_insert AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {fn}_insert();
CREATE TRIGGER {fn}_delete AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {fn}_delete();
CREATE TRIGGER {fn}_update AFTER UPDATE ON {table}
  FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {fn}_update();
CREATE TRIGGER {fn}_truncate AFTER TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION {fn}_truncate();
"""


def drop_counter_triggers_sql(table: str, fn: str) -> str:
    """Drops what :func:`counter_triggers_sql` created (the counters' rows stay)."""
    return "".join(
        f"DROP TRIGGER IF EXISTS {fn}_{event} ON {table};\nDROP FUNCTION IF EXISTS {fn}_{event}();\n"
        for event in _EVENTS
    )


def install_sql(table: str, specs: Sequence[TallySpec]) -> str:
    """Triggers that keep ``specs`` (all on ``table``) exact, then the counters of existing rows.

    The table is locked against writes first, so no row is counted twice or missed while the
    triggers are created and the existing rows are counted (all in the migration's transaction).
    """
    table = _ident(table)
    if any(spec.table != table for spec in specs):
        raise ValueError("All specs must count the same table.")
    names = ", ".join(_literal(spec.name) for spec in specs)
    watched = sorted({col for spec in specs for col in (*spec.columns, *([spec.amount] if spec.amount else []))})
    changed = " OR ".join(f"OLD.{_ident(col)} IS DISTINCT FROM NEW.{_ident(col)}" for col in watched)
    fn = f"tally_{table}"
    changes = (
        "SELECT name, k1, k2, SUM(n) AS n, SUM(amount) AS amount FROM (\n      "
        + _row_values(specs, "OLD", "-")
        + "\n      UNION ALL "
        + _row_values(specs, "NEW", "")
        + "\n    ) AS c (name, k1, k2, n, amount) GROUP BY name, k1, k2 HAVING SUM(n) <> 0 OR SUM(amount) <> 0"
    )
    triggers = counter_triggers_sql(
        table,
        fn,
        inserted=_upsert(_select_groups(specs, "new_rows", "")),
        deleted=_upsert(_select_groups(specs, "old_rows", "-")),
        updated=_upsert(changes),
        changed=changed,
        truncated=f"DELETE FROM {TABLE} WHERE name IN ({names});",
    )
    return f"{triggers}\n{_counts_from_rows(table, specs)}"


def _counts_from_rows(table: str, specs: Sequence[TallySpec]) -> str:
    names = ", ".join(_literal(spec.name) for spec in specs)
    return f"""DELETE FROM {TABLE} WHERE name IN ({names});
INSERT INTO {TABLE} (name, k1, k2, slot, n, amount)
SELECT d.name, d.k1, d.k2, 0, d.n, d.amount FROM ({_select_groups(specs, table, "")}) AS d;
"""


def recount_sql(table: str, specs: Sequence[TallySpec]) -> str:
    """The counters of ``specs`` counted again from the rows: after a load that skipped the triggers
    (``session_replication_role = replica``, as ``pg_restore`` and ``manage.py seed`` do)."""
    table = _ident(table)
    return f"""
LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE;
{_counts_from_rows(table, specs)}"""


def uninstall_sql(table: str, specs: Sequence[TallySpec]) -> str:
    table = _ident(table)
    fn = f"tally_{table}"
    names = ", ".join(_literal(spec.name) for spec in specs)
    return f"{drop_counter_triggers_sql(table, fn)}DELETE FROM {TABLE} WHERE name IN ({names});\n"
