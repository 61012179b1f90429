"""Counters checked against the rows they count (core.tallies), for the tally tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection

from core import tallies
from orders import services as orders_services
from orders.models import Order, Product

COUNTED = ("expedientes_expediente", "orders_order", "events_auditevent", "events_event")


def from_rows(spec: tallies.TallySpec) -> dict[tuple[str, str], tuple[int, Decimal]]:
    columns = ", ".join(f"{column}::text" for column in spec.columns)
    amount = f"SUM({spec.amount})" if spec.amount else "0"
    not_null = " AND ".join(f"{column} IS NOT NULL" for column in spec.columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, COUNT(*), {amount} FROM {spec.table} WHERE {not_null} GROUP BY {columns}"  # noqa: S608
        )
        result = {}
        for row in cursor.fetchall():
            keys, n, total = row[: len(spec.columns)], row[-2], row[-1]
            result[(keys[0], keys[1] if len(keys) > 1 else "")] = (n, Decimal(total or 0))
        return result


def from_tally(spec: tallies.TallySpec) -> dict[tuple[str, str], tuple[int, Decimal]]:
    counters = tallies.read([spec.name])
    return {(k1, k2): (n, Decimal(amount)) for (_, k1, k2), (n, amount) in counters.items() if n or amount}


def assert_tallies_exact() -> int:
    """Every registered counter equals a GROUP BY over its table; returns how many were checked."""
    checked = 0
    for table in COUNTED:
        specs = tallies.specs_for(table)
        assert specs, table
        for spec in specs:
            assert from_tally(spec) == from_rows(spec), spec.name
            checked += 1
    return checked


def order_of(user: Any, product: Product, quantity: int = 1) -> Order:
    return orders_services.create_order(user=user, items=[{"product_id": product.pk, "quantity": quantity}])
