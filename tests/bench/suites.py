"""Benchmark suites. Each prints its figures; ratios are what to compare between machines."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIRequestFactory

Timer = Callable[[Callable[[], object], int], float]


def renderer(best_of: Timer) -> None:
    """orjson renderer against DRF's stdlib JSONRenderer on a 100-item page."""
    from rest_framework.renderers import JSONRenderer

    from core.renderers import ORJSONRenderer

    page = {
        "data": [
            {
                "id": i,
                "numero": f"EXP-2024-{i:05d}",
                "solicitante": "Juan Pérez",
                "concepto": "Solicitud de licencia " * 5,
                "estado": "en_revision",
                "total": Decimal("1234.50"),
                "created_at": timezone.now().isoformat(),
                "allowed_transitions": ["aprobado", "rechazado"],
            }
            for i in range(100)
        ],
        "total": 100,
    }
    fast = best_of(lambda: [ORJSONRenderer().render(page) for _ in range(50)], 5)
    slow = best_of(lambda: [JSONRenderer().render(page) for _ in range(50)], 5)
    print(f"orjson {fast * 20:.2f} ms/page, stdlib {slow * 20:.2f} ms/page, speed-up x{slow / fast:.1f}")


def pagination(best_of: Timer) -> None:
    """Deep pages: keyset cursor against OFFSET on 200k audit rows (constant vs linear)."""
    from events.models import AuditEvent
    from tests.integration.core.urls import AuditList

    target = 200_000
    have = AuditEvent.objects.count()
    if have < target:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO events_auditevent (actor_id, entity_type, entity_id, action, changes, created_at)"
                " SELECT NULL, 'bench', g::text, 'create', '{}'::jsonb, now() - (g || ' seconds')::interval"
                " FROM generate_series(%s, %s) g",
                [have + 1, target],
            )
        cursor = connection.cursor()
        cursor.execute("ANALYZE events_auditevent")
    view = AuditList.as_view()
    factory = APIRequestFactory()

    def get(query: str) -> dict:
        response = view(factory.get(f"/t/audit?{query}"))
        response.render()
        return response.data

    first = get("cursor=&per_page=100")
    cursor_value = first["next_cursor"]
    deep_page = target // 100 - 1
    shallow_offset = best_of(lambda: get("page=2&per_page=100"), 5)
    deep_offset = best_of(lambda: get(f"page={deep_page}&per_page=100"), 3)
    # Walk the cursor deep once, then time the next page from there.
    for _ in range(3):
        cursor_value = get(f"cursor={cursor_value}&per_page=100")["next_cursor"]
    shallow_cursor = best_of(lambda: get(f"cursor={cursor_value}&per_page=100"), 5)
    from events.models import AuditEvent as Row

    last = Row.objects.order_by("created_at", "id").values_list("created_at", "id")[150]
    from django.core import signing

    from core.pagination import _CURSOR_SALT

    deep_cursor = signing.dumps(
        {"o": ["-created_at", "-id"], "v": [last[0].isoformat(), str(last[1])]}, salt=_CURSOR_SALT, compress=True
    )
    deep_cursor_time = best_of(lambda: get(f"cursor={deep_cursor}&per_page=100"), 5)
    with CaptureQueriesContext(connection) as queries:
        get(f"cursor={deep_cursor}&per_page=100")
    print(f"rows={target}")
    print(
        f"page mode: page 2 {shallow_offset * 1000:.1f} ms, page {deep_page} {deep_offset * 1000:.1f} ms "
        f"(deep/shallow x{deep_offset / shallow_offset:.1f})"
    )
    print(
        f"cursor mode: near start {shallow_cursor * 1000:.1f} ms, near end {deep_cursor_time * 1000:.1f} ms "
        f"(deep/shallow x{deep_cursor_time / shallow_cursor:.1f}); {len(queries)} query per cursor page"
    )
    print(f"deep page: offset/cursor x{deep_offset / deep_cursor_time:.1f}")


def dashboard(best_of: Timer) -> None:
    """The dashboard's aggregates on 1,000,000 expedientes and 1,000,000 orders (target: well under 0.5 s)."""
    from accounts.models import User
    from expedientes.models import Estado, Expediente
    from orders.models import Order, OrderStatus
    from reports import selectors

    target = 1_000_000
    owner = User.objects.filter(username="bench-owner").first() or User.objects.create_user(
        username="bench-owner", email="bench-owner@example.com", password=None
    )
    estados = [choice.value for choice in Estado]
    statuses = [choice.value for choice in OrderStatus]
    filled = False
    with connection.cursor() as cursor:
        have = Expediente.objects.count()
        if have < target:
            cursor.execute(
                "INSERT INTO expedientes_expediente (numero, solicitante, concepto, estado, owner_id, version,"
                " created_at, updated_at)"
                " SELECT 'BENCH-' || g, 'Solicitante ' || g, '', (%s::text[])[1 + g %% 6], %s, 1,"
                " now() - (g || ' seconds')::interval, now() FROM generate_series(%s, %s) g",
                [estados, owner.pk, have + 1, target],
            )
            filled = True
        have = Order.objects.count()
        if have < target:
            cursor.execute(
                "INSERT INTO orders_order (user_id, status, total, currency, shipping_address, version,"
                " created_at, updated_at)"
                " SELECT %s, (%s::text[])[1 + g %% 7], (g %% 500) + 0.99, 'EUR', '', 1,"
                " now() - (g || ' seconds')::interval, now() FROM generate_series(%s, %s) g",
                [owner.pk, statuses, have + 1, target],
            )
            filled = True
        if filled:
            # What autovacuum would do on a live database: statistics and the visibility map.
            for table in ("expedientes_expediente", "orders_order"):
                cursor.execute(f"VACUUM ANALYZE {table}")

    figures = selectors.dashboard()
    print(f"rows: {figures['expedientes']['total']} expedientes, {figures['orders']['total']} orders")
    counters = selectors.read_counters()
    parts = {
        "counters (one statement)": selectors.read_counters,
        "expedientes": lambda: selectors.expedientes_summary(counters),
        "orders": lambda: selectors.orders_summary(counters),
        "webhooks": lambda: selectors.webhooks_summary(counters),
    }
    for name, part in parts.items():
        print(f"  {name}: {best_of(part, 5) * 1000:.1f} ms")
    whole = best_of(selectors.dashboard, 5)
    with CaptureQueriesContext(connection) as queries:
        selectors.dashboard()
    print(f"dashboard: {whole * 1000:.1f} ms in {len(queries)} queries (target < 500 ms)")


ALL = [renderer, pagination, dashboard]
