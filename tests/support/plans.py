"""Query plans for the plan tests: big tables (their users too) committed for the planner to cost,
and ``EXPLAIN (FORMAT JSON)`` read as a flat list of its nodes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection


def users_sql(prefix: str, count: int) -> str:
    """``count`` active users ``<prefix><n>`` (``<n>`` from 1): the first five clerks and staff, the rest citizens."""
    return f"""
INSERT INTO accounts_user (password, is_superuser, email, username, full_name, role, is_active, is_staff,
                           date_joined, version, username_canonical, email_canonical, language)
SELECT '!', false, '{prefix}' || g || '@example.com', '{prefix}' || g, '{prefix.capitalize()} ' || g,
       CASE WHEN g <= 5 THEN 'clerk' ELSE 'citizen' END, true, g <= 5, now(), 1,
       '{prefix}' || g, '{prefix}' || g || '@example.com', 'es'
FROM generate_series(1, {count}) AS g;
"""  # noqa: S608 - the callers' constants only


@contextmanager
def committed_tables(django_db_blocker: Any, tables: str, *statements: str) -> Iterator[None]:
    """``tables`` emptied, then filled by ``statements`` and committed (outside any test's transaction);
    emptied again on the way out."""
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            for statement in statements:
                cursor.execute(statement)
        yield
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def plan_nodes(plan: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every node of an ``EXPLAIN (FORMAT JSON)`` plan (as text or as the driver decoded it), top first."""
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        nodes.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return nodes


def explain(sql: str, params: Any = None) -> list[dict[str, Any]]:
    """The nodes of the plan of ``sql`` run with ``params``."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        return plan_nodes(cursor.fetchone()[0])
