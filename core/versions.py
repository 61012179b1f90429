# ruff: noqa: S608 - SQL is built from identifiers checked by _ident(), never from input.
"""Table versions: a value the database moves on every write statement to a table.

A trigger on each versioned table adds one to ``core_table_version`` (``core.models.TableVersion``)
per ``INSERT``, ``UPDATE``, ``DELETE`` or ``TRUNCATE`` statement, in the writer's transaction, on the
slot of its session (``pg_backend_pid() % SLOTS``, as the tallies do, so writers rarely wait).

Why the slots, read together, name the table's rows exactly: writers of one slot take turns on its
row (the upsert locks it until they commit), so what a snapshot sees of a slot is a prefix of the
writes of that slot, in commit order, and each write adds at least one. Two snapshots that read the
same numbers on every slot therefore see the same committed writes, hence the same rows. A value
computed from the rows in the snapshot that read the versions (one statement) stays true for every
later reader that reads the same versions: ``core.counts`` caches search totals that way.

A transaction that has written anything itself sees its own uncommitted versions, which a later
transaction could reach with other rows; :func:`read` says so (``pg_current_xact_id_if_assigned``)
and such readers do not use cached values. A load that skips triggers (``session_replication_role =
replica``, as ``manage.py seed`` and ``pg_restore`` do) must run :func:`bump_sql` afterwards.

Migrations install what the builders here return: their output must not change (write new ones).
"""

from __future__ import annotations

SLOTS = 16
TABLE = "core_table_version"
FUNCTION = "core_table_version_bump"

_VERSIONED: set[str] = set()

# The trigger function every versioned table shares (core migration 0006).
FUNCTION_SQL = f"""
CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {TABLE} AS t ("table", slot, n) VALUES (TG_TABLE_NAME, pg_backend_pid() % {SLOTS}, 1)
  ON CONFLICT ("table", slot) DO UPDATE SET n = t.n + 1;
  RETURN NULL;
END $$;
"""
FUNCTION_DROP_SQL = f"DROP FUNCTION IF EXISTS {FUNCTION}();"


def register(*tables: str) -> None:
    """Declare tables whose version trigger a migration installs (``install_sql``)."""
    _VERSIONED.update(_ident(table) for table in tables)


def is_versioned(table: str) -> bool:
    return table in _VERSIONED


def versioned_tables() -> list[str]:
    return sorted(_VERSIONED)


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"Unexpected identifier {name!r}")
    return name


def install_sql(table: str) -> str:
    table = _ident(table)
    return (
        f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}();"
    )


def uninstall_sql(table: str) -> str:
    table = _ident(table)
    return f"DROP TRIGGER IF EXISTS {table}_version ON {table}; DELETE FROM {TABLE} WHERE \"table\" = '{table}';"


def bump_sql(table: str) -> str:
    """Moves ``table``'s version by hand: after rows were written with the triggers skipped."""
    table = _ident(table)
    return (
        f"INSERT INTO {TABLE} AS t (\"table\", slot, n) VALUES ('{table}', 0, 1) "
        f'ON CONFLICT ("table", slot) DO UPDATE SET n = t.n + 1;'
    )


# ``clean``: this transaction has written nothing (the versions it reads are committed ones);
# ``versions``: the slots of the tables given as the one parameter, as text.
READ_SQL = (
    "SELECT pg_current_xact_id_if_assigned() IS NULL AS clean, "
    "COALESCE(string_agg(\"table\" || ':' || slot || '=' || n, ',' ORDER BY \"table\", slot), '') AS versions "
    f'FROM {TABLE} WHERE "table" = ANY(%s)'
)
