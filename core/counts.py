"""The exact ``total`` of a list, at the cost the filters allow.

1. The counters the database keeps (``core.tallies``) when they cover the filters: a few rows read.
2. Otherwise (a search, a date range), a count computed once per version of the tables it reads
   (``core.versions``) and kept in the cache: the next request with the same filters reads the
   tables' versions, and while no write has moved them the total is the cached one, exactly.
   A common name at a million rows is counted once (a third of a second) instead of per request.
3. Otherwise (a join to an unversioned table, a subquery, a transaction that has written rows),
   ``COUNT(*)``, as Django counts.

A page can carry what 1 and 2 read (:func:`probe`): the page's statement reads the counters, or the
versions, in a subquery PostgreSQL runs once, so a page and its total cost one statement, read in
one snapshot.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.db import connections
from django.db.models import IntegerField, QuerySet, TextField
from django.db.models.expressions import Col, RawSQL
from django.db.models.lookups import Exact, In
from django.db.models.sql.query import Query
from django.db.models.sql.where import AND, WhereNode

from core import statements, tallies, versions
from core.expressions import DriverValue
from core.tallies import TallySpec

logger = logging.getLogger(__name__)

CACHE_SECONDS = 3600


def count(queryset: QuerySet) -> int:
    """The queryset's exact ``count()``, from counters, from the cache or counted."""
    total = exact_count(queryset)
    if total is not None:
        return total
    tables = versioned_tables(queryset)
    if tables is None:
        return queryset.count()
    return _cached_count(queryset, tables)


def _plain(query: Query) -> bool:
    """No union, ``DISTINCT``, slice, grouping or raw SQL: its count is a count of its rows."""
    return not (
        query.combinator
        or query.distinct
        or query.low_mark
        or query.high_mark is not None
        or query.group_by is not None
        or query.extra
        or query.is_empty()
    )


# --- 1. the counters ------------------------------------------------------------------------------


def _key(value: Any) -> str | None:
    """A filter value as the trigger wrote it (``column::text``), or None when unsure."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return str.__str__(value)
    return None


def _conditions(node: WhereNode, base_alias: str) -> dict[str, set[str]] | None:
    """Column -> allowed values, when the clause is an AND of ``=``/``IN`` on base columns."""
    if node.connector != AND or node.negated:
        return None
    allowed: dict[str, set[str]] = {}
    for child in node.children:
        parts: list[tuple[str, set[str]]]
        if isinstance(child, WhereNode):
            nested = _conditions(child, base_alias)
            if nested is None:
                return None
            parts = list(nested.items())
        elif isinstance(child, Exact | In):
            lhs = child.lhs
            if type(lhs) is not Col or lhs.alias != base_alias or child.rhs is None:
                return None
            raw = child.rhs if isinstance(child, In) else [child.rhs]
            if not isinstance(raw, list | tuple | set | frozenset):
                return None  # a subquery or an expression
            keys = {_key(value) for value in raw}
            if None in keys or not keys:
                return None
            column = lhs.target.column
            if column is None:
                return None
            parts = [(column, {key for key in keys if key is not None})]
        else:
            return None
        for column, values in parts:
            allowed[column] = allowed[column] & values if column in allowed else set(values)
    return allowed


def _choose(specs: Sequence[TallySpec], fixed: set[str], not_null: set[str]) -> TallySpec | None:
    candidates = [
        spec
        for spec in specs
        if fixed <= set(spec.columns) and all(col in fixed or col in not_null for col in spec.columns)
    ]
    if not candidates:
        return None
    # Fewest columns first (fewest rows to add), then those whose first column is fixed (an index prefix).
    return min(candidates, key=lambda spec: (len(spec.columns), spec.columns[0] not in fixed))


def exact_count(queryset: QuerySet) -> int | None:
    """The queryset's ``count()`` from the counters, or None when no counter covers its filters."""
    statement = _tally_statement(queryset)
    if statement is None:
        return None
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(*statement)
        return int(cursor.fetchone()[0])


def _tally_statement(queryset: QuerySet) -> tuple[str, list[Any]] | None:
    """The statement that sums the counters covering the queryset's filters, or None."""
    query = queryset.query
    model = queryset.model
    specs = tallies.specs_for(model._meta.db_table)
    if not specs:
        return None
    if not _plain(query):
        return None
    base_alias = query.base_table or model._meta.db_table
    if any(alias != base_alias and query.alias_refcount.get(alias) for alias in query.alias_map):
        return None  # a join may drop or repeat rows
    allowed = _conditions(query.where, base_alias)
    if allowed is None:
        return None
    not_null = {field.column for field in model._meta.concrete_fields if not field.null}
    spec = _choose(specs, set(allowed), not_null)
    if spec is None:
        return None
    if any(not values for values in allowed.values()):
        return "SELECT 0", []  # e.g. owner_id = 5 AND owner_id = 7
    # SUM of a bigint is a numeric, which the driver would read as a Decimal on every row of a page.
    sql = f"SELECT COALESCE(SUM(n), 0)::bigint FROM {tallies.TABLE} WHERE name = %s"  # noqa: S608 - a constant
    params: list[Any] = [spec.name]
    for column, key_column in zip(spec.columns, ("k1", "k2"), strict=False):
        if column in allowed:
            sql += f" AND {key_column} = ANY(%s)"
            params.append(sorted(allowed[column]))
    return sql, params


# --- 2. counted once per version -----------------------------------------------------------------


def versioned_tables(queryset: QuerySet) -> list[str] | None:
    """The tables a count of ``queryset`` reads, when each is versioned and nothing else is read."""
    query = queryset.query
    if not _plain(query) or _reads_a_subquery(query.where):
        return None
    tables = {join.table_name for join in query.alias_map.values()} or {queryset.model._meta.db_table}
    if not all(versions.is_versioned(table) for table in tables):
        return None
    return sorted(tables)


def _reads_a_subquery(node: Any) -> bool:
    if isinstance(node, Query) or getattr(node, "query", None) is not None:
        return True
    children = getattr(node, "children", None)
    if children is None:
        children = node.get_source_expressions() if hasattr(node, "get_source_expressions") else []
        children = [*children, getattr(node, "rhs", None)] if hasattr(node, "rhs") else children
    return any(child is not None and _reads_a_subquery(child) for child in children)


def _statement_key(queryset: QuerySet) -> tuple[str, list[Any], str]:
    """The count's inner SQL, its parameters and the cache's name for them."""
    inner, params = statements.sql_with_params(queryset.order_by(), ("pk",))
    database = connections[queryset.db].settings_dict
    # Which database too: two of them (staging and production, say) may share one Redis.
    where = f"{database.get('HOST')}:{database.get('PORT')}/{database.get('NAME')}"
    return inner, list(params), hashlib.sha256(f"{where}\x00{inner}\x00{params!r}".encode()).hexdigest()


def _cached_count(queryset: QuerySet, tables: list[str]) -> int:
    inner, params, statement = _statement_key(queryset)
    # The versions and, in the same snapshot, the count: at once in a transaction that has written
    # (the cache is not for it), else only when the cache does not have it (PostgreSQL runs a
    # subquery no branch asks for not at all). So a request costs one statement here as before.
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(_counted(inner, "NOT v.clean"), [*params, tables])
        clean, current, total = cursor.fetchone()
    if not clean:
        return int(total)
    cached = _cache_get(_cache_key(statement, current))
    if cached is not None:
        return cached
    return _count_and_cache(queryset, inner, params, tables, statement)


def _count_and_cache(queryset: QuerySet, inner: str, params: list[Any], tables: list[str], statement: str) -> int:
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(_counted(inner, "TRUE"), [*params, tables])
        clean, current, total = cursor.fetchone()
    if clean:
        _cache_set(_cache_key(statement, current), int(total))
    return int(total)


# --- a page that carries its total ---------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """What a page's statement reads for its list's total (``expression``, annotated on the page's
    rows), and ``total``: the exact total from the value read, or None when it must be counted apart."""

    expression: RawSQL
    total: Callable[[Any], int | None]


def probe(queryset: QuerySet) -> Probe | None:
    """A :class:`Probe` for the queryset's total, when the counters or the cache can give it."""
    tally = _tally_statement(queryset)
    if tally is not None:
        sql, params = tally
        # Built from constants and Django's compiled SQL, every value a parameter.
        return Probe(DriverValue(f"({sql})", params, output_field=IntegerField()), int)
    tables = versioned_tables(queryset)
    if tables is None:
        return None

    def total(current: str | None) -> int | None:
        if current is None:  # this transaction has written: count in it, cache nothing
            return None
        # Compiled only here: a page that tells its own total (the last one) never asks.
        inner, params, statement = _statement_key(queryset)
        cached = _cache_get(_cache_key(statement, current))
        return cached if cached is not None else _count_and_cache(queryset, inner, params, tables, statement)

    versions_read = f"(SELECT CASE WHEN v.clean THEN v.versions END FROM ({versions.READ_SQL}) AS v)"  # noqa: S608 - a constant
    return Probe(RawSQL(versions_read, [tables], output_field=TextField()), total)  # noqa: S611 - a constant


def _counted(inner: str, when: str) -> str:
    return (
        f"SELECT v.clean, v.versions, CASE WHEN {when} THEN (SELECT COUNT(*) FROM ({inner}) AS counted) END "  # noqa: S608 - Django's compiled SQL, parameters apart
        f"FROM ({versions.READ_SQL}) AS v"
    )


def _cache_key(statement: str, at: str) -> str:
    return f"count:{statement}:{hashlib.sha256(at.encode()).hexdigest()}"


def _cache_get(key: str) -> int | None:
    try:
        value = caches["default"].get(key)
    except Exception:  # a cache that is down costs a count, never the request
        logger.warning("count cache unavailable", exc_info=True)
        return None
    return None if value is None else int(value)


def _cache_set(key: str, total: int) -> None:
    try:
        caches["default"].set(key, total, CACHE_SECONDS)
    except Exception:  # as in _cache_get
        logger.warning("count cache unavailable", exc_info=True)


def planner_estimate(rows: QuerySet) -> int:
    """The number of rows PostgreSQL's planner expects the queryset to return (no row is read)."""
    plan = json.loads(rows.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])
