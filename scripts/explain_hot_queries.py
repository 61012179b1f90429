"""``EXPLAIN (ANALYZE, BUFFERS)`` of the hot list queries on a seeded database, before and after.

Usage: ``DATABASE_URL=... python -m scripts.explain_hot_queries [--plans]``

"after" is the query the code builds today; "before" is the same request as it was built before the
trigram and filter indexes and the row-comparison cursor (``UPPER(UNACCENT(col)) LIKE``, the ``OR``
cursor condition), run in a transaction that drops the newer indexes and is rolled back. Each figure
is the best ``Execution Time`` of three runs (warm cache).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import F, Func, Q, QuerySet, TextField, Value  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from core.pagination import Pagination  # noqa: E402
from core.search import each_term  # noqa: E402
from events.filters import AuditEventFilter, EventFilter  # noqa: E402
from events.models import AuditEvent, Event  # noqa: E402
from expedientes.filters import ExpedienteFilter  # noqa: E402
from expedientes.selectors import expedientes_visible_to  # noqa: E402
from orders.filters import OrderFilter  # noqa: E402
from orders.models import Order  # noqa: E402

NEW_INDEXES = [
    "expedientes_search_trgm",
    "expedientes_estado_id",
    "events_audit_action_created",
    "events_audit_type_created",
    "events_audit_actor_created",
    "events_event_created",
    "orders_order_status_created",
]
PLANS = "--plans" in sys.argv


class OldUnaccent(Func):
    function = "UNACCENT"
    output_field = TextField()


def old_search(queryset: QuerySet, text: str, fields: tuple[str, ...] = ("numero", "solicitante", "concepto")) -> Any:
    def narrow(queryset: QuerySet, index: int, term: str) -> QuerySet:
        match = Q()
        for name in fields:
            match |= Q(**{f"_old_{name}__icontains": OldUnaccent(Value(term))})
        return queryset.filter(match)

    return each_term(queryset.alias(**{f"_old_{name}": OldUnaccent(F(name)) for name in fields}), text, narrow)


def old_after(ordering: list[str], values: list[Any]) -> Q:
    condition = Q(pk__in=[])
    equal = Q()
    for term, value in zip(ordering, values, strict=True):
        name = term.lstrip("-")
        condition |= equal & Q(**{f"{name}__{'lt' if term.startswith('-') else 'gt'}": value})
        equal &= Q(**{name: value})
    return condition


def sql_of(queryset: QuerySet) -> str:
    sql, params = queryset.query.sql_with_params()
    return connection.ops.compose_sql(sql, params)  # type: ignore[attr-defined]  # PostgreSQL (psycopg 3) only


def explain(sql: str) -> tuple[float, str]:
    best = float("inf")
    text = ""
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            lines = [row[0] for row in cursor.fetchall()]
            ms = float(next(line for line in lines if line.startswith("Execution Time")).split()[2])
            if ms < best:
                best, text = ms, "\n".join(lines)
    return best, text


def before(sql: str) -> tuple[float, str]:
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for name in NEW_INDEXES:
                    cursor.execute(f"DROP INDEX IF EXISTS {name}")
            result = explain(sql)
            raise _Rollback(result)
    except _Rollback as done:
        return done.result


class _Rollback(Exception):
    def __init__(self, result: tuple[float, str]) -> None:
        self.result = result


def report(name: str, old_sql: str, new_sql: str) -> None:
    old_ms, _ = before(old_sql)
    new_ms, new_plan = explain(new_sql)
    print(f"{name:<48} before {old_ms:9.1f} ms   after {new_ms:8.2f} ms")
    if PLANS:
        print("  AFTER SQL:", new_sql[:400])
        print("  " + new_plan.replace("\n", "\n  "))


def main() -> None:
    clerk = User.objects.get(username="bench_clerk")
    base = expedientes_visible_to(clerk).order_by("-created_at", "-id")
    plain = expedientes_visible_to(clerk)

    def listing(**params: str) -> QuerySet:
        return ExpedienteFilter(data=params, queryset=plain).qs.order_by("-created_at", "-id")

    numero = base.order_by("id").values_list("numero", flat=True)[123_455]
    for label, term in (
        ("common name 'garcia'", "garcia"),
        ("rare name 'quiñones'", "quiñones"),
        (f"rare numero {numero}", numero),
    ):
        report(
            f"search {label}: first page",
            sql_of(old_search(plain, term).order_by("-created_at", "-id")[:21]),
            sql_of(listing(search=term)[:21]),
        )
        report(
            f"search {label}: count",
            sql_of(old_search(plain, term).order_by().values("pk")),
            sql_of(listing(search=term).order_by().values("pk")),
        )
    deep = base.order_by("created_at", "id")[10_000]
    ordering = ["-created_at", "-id"]
    values = [deep.created_at.isoformat(), str(deep.pk)]
    new_cond = Pagination()._after(ordering, values, base)
    report(
        "cursor page at ~990k",
        sql_of(base.filter(old_after(ordering, [deep.created_at, deep.pk]))[:21]),
        sql_of(base.filter(new_cond)[:21]),
    )
    report("cursor first page", sql_of(base[:21]), sql_of(base[:21]))
    report(
        "estado=archivado cursor first page",
        sql_of(listing(estado="archivado")[:21]),
        sql_of(listing(estado="archivado")[:21]),
    )
    for action in ("transition", "update"):
        qs = AuditEventFilter(data={"action": action}, queryset=AuditEvent.objects.all()).qs.order_by(
            "-created_at", "-id"
        )[:21]
        report(f"audit-events ?action={action}", sql_of(qs), sql_of(qs))
    qs = AuditEventFilter(data={"entity_type": "payment"}, queryset=AuditEvent.objects.all()).qs.order_by(
        "-created_at", "-id"
    )[:21]
    report("audit-events ?entity_type=payment", sql_of(qs), sql_of(qs))
    qs = EventFilter(data={"type": "payment.refunded", "after": "1000000"}, queryset=Event.objects.all()).qs.order_by(
        "id"
    )[:21]
    report("events ?type=payment.refunded&after=1000000", sql_of(qs), sql_of(qs))
    qs = Event.objects.order_by("-created_at", "-id")[:21]
    report("events ?ordering=-created_at", sql_of(qs), sql_of(qs))
    for status in ("rejected", "pending"):
        qs = OrderFilter(data={"status": status}, queryset=Order.objects.all()).qs.order_by("-created_at", "-id")[:21]
        report(f"orders ?status={status}", sql_of(qs), sql_of(qs))

    client = Client()
    client.force_login(clerk)
    for term in ("quiñones", "garcia", numero):
        url = f"/admin/expedientes/expediente/?q={term}"
        client.get(url)  # warm up
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(
            f"admin changelist ?q={term:<24} {response.status_code} {elapsed:8.1f} ms in all, {len(queries)} queries, {sql_ms:.1f} ms SQL"
        )


if __name__ == "__main__":
    main()
