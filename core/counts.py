"""The exact ``total`` of a list, at the cost the filters allow.

1. The counters the database keeps (``core.tallies``) when they cover the filters: a few rows read.
2. Otherwise (a search, a date range), a count computed once per version of the tables it reads
   (``core.versions``) and kept in the cache: the next request with the same filters reads the
   tables' versions, and while no write has moved them the total is the cached one, exactly.
   A common name at a million rows is counted once (a third of a second) instead of per request.
3. Otherwise (a join to an unversioned table, a subquery, a transaction that has written rows),
   ``COUNT(*)``, as Django counts.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.cache import caches
from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.query import Query

from core import tallies, versions

logger = logging.getLogger(__name__)

CACHE_SECONDS = 3600


def count(queryset: QuerySet) -> int:
    """The queryset's exact ``count()``, from counters, from the cache or counted."""
    total = tallies.exact_count(queryset)
    if total is not None:
        return total
    tables = versioned_tables(queryset)
    if tables is None:
        return queryset.count()
    return _cached_count(queryset, tables)


def versioned_tables(queryset: QuerySet) -> list[str] | None:
    """The tables a count of ``queryset`` reads, when each is versioned and nothing else is read."""
    query = queryset.query
    if (
        query.combinator
        or query.distinct
        or query.low_mark
        or query.high_mark is not None
        or query.group_by is not None
        or query.extra
        or query.is_empty()
        or _reads_a_subquery(query.where)
    ):
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


def _cached_count(queryset: QuerySet, tables: list[str]) -> int:
    inner, params = queryset.order_by().values_list("pk").query.sql_with_params()
    statement = hashlib.sha256(f"{queryset.db}\x00{inner}\x00{params!r}".encode()).hexdigest()
    # The versions and, in the same snapshot, the count: at once in a transaction that has written
    # (the cache is not for it), else only when the cache does not have it (PostgreSQL runs a
    # subquery no branch asks for not at all). So a request costs one statement here as before.
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(_counted(inner, "NOT v.clean"), [*params, tables])
        clean, current, total = cursor.fetchone()
        if not clean:
            return int(total)
        cached = _cache_get(_key(statement, current))
        if cached is not None:
            return cached
        cursor.execute(_counted(inner, "TRUE"), [*params, tables])
        clean, current, total = cursor.fetchone()
    if clean:
        _cache_set(_key(statement, current), int(total))
    return int(total)


def _counted(inner: str, when: str) -> str:
    return (
        f"SELECT v.clean, v.versions, CASE WHEN {when} THEN (SELECT COUNT(*) FROM ({inner}) AS counted) END "  # noqa: S608 - Django's compiled SQL, parameters apart
        f"FROM ({versions.READ_SQL}) AS v"
    )


def _key(statement: str, at: str) -> str:
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
