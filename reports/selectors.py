"""The dashboard (docs/api-guide.md#dashboard): the counters the database keeps, read in one query.

Counting a million rows per request (``GROUP BY estado``, ``GROUP BY status`` with ``SUM(total)``)
is a scan of each table, a few hundred milliseconds under load. Triggers keep exact counts per
estado and per order status (with the sum of ``total``) in ``core_tally`` (see ``core.tallies``),
in the same transaction as every write, so the dashboard reads a few dozen counter rows in a single
statement and folds them here. Pending and failed webhook deliveries are counted from their table
in the same statement (``events_delivery_status`` serves it; deliveries keep no counters, see
``events.tallies``).

``revenue`` is the value of the orders the shop has committed to and not given back: the sum of
``total`` over orders that are ``confirmed``, ``approved``, ``shipped`` or ``delivered``.
``pending`` orders are not counted (nothing is promised yet), nor ``rejected``/``cancelled`` ones
(their stock is released and what was paid is refunded). The shop sells in one currency
(``DEFAULT_CURRENCY``), so the sum needs no conversion.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core import tallies
from events.models import OutboxStatus, WebhookDelivery
from expedientes import tallies as expedientes_tallies
from expedientes.models import Estado
from orders import tallies as orders_tallies
from orders.models import DEFAULT_CURRENCY, OrderStatus

ESTADO_LABELS = Estado.choices

REVENUE_STATUSES = (
    OrderStatus.CONFIRMED,
    OrderStatus.APPROVED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)

EXPEDIENTES_BY_ESTADO = expedientes_tallies.BY_ESTADO
ORDERS_BY_STATUS = orders_tallies.BY_STATUS
COUNTERS = (EXPEDIENTES_BY_ESTADO, ORDERS_BY_STATUS)

Counters = dict[tuple[str, str, str], tuple[int, Any]]


def _by_key(counters: Counters, spec: tallies.TallySpec, keys: list[str]) -> dict[str, tuple[int, Decimal]]:
    folded = {key: (0, Decimal("0")) for key in keys}
    for (name, k1, _k2), (n, amount) in counters.items():
        if name == spec.name and k1 in folded:
            folded[k1] = (n, Decimal(amount))
    return folded


def expedientes_summary(counters: Counters) -> dict[str, Any]:
    by_estado = {key: n for key, (n, _) in _by_key(counters, EXPEDIENTES_BY_ESTADO, Estado.values).items()}
    return {"total": sum(by_estado.values()), "by_estado": by_estado}


def orders_summary(counters: Counters) -> dict[str, Any]:
    groups = _by_key(counters, ORDERS_BY_STATUS, OrderStatus.values)
    revenue = sum((groups[status][1] for status in REVENUE_STATUSES), Decimal("0.00"))
    by_status = {key: n for key, (n, _) in groups.items()}
    return {
        "total": sum(by_status.values()),
        "by_status": by_status,
        "revenue": revenue.quantize(Decimal("0.01")),
        "currency": DEFAULT_CURRENCY,
    }


# What the dashboard's statement reads beside the counters: open deliveries per status (no tally
# is named so: tally names are ``table:columns``).
WEBHOOKS_BY_STATUS = "count events_webhookdelivery status"
WEBHOOK_STATUSES = (OutboxStatus.PENDING.value, OutboxStatus.FAILED.value)


def webhooks_counted() -> tuple[str, list[Any]]:
    """Pending and failed deliveries per status, as rows of ``tallies.read``."""
    table = WebhookDelivery._meta.db_table
    return (
        f"SELECT %s, status, '', COUNT(*), NULL::numeric FROM {table} WHERE status = ANY(%s) GROUP BY status",  # noqa: S608 - a model's table
        [WEBHOOKS_BY_STATUS, list(WEBHOOK_STATUSES)],
    )


def webhooks_summary(counters: Counters) -> dict[str, int]:
    return {status: counters.get((WEBHOOKS_BY_STATUS, status, ""), (0, None))[0] for status in WEBHOOK_STATUSES}


def read_counters() -> Counters:
    """Every figure of the dashboard, in one statement."""
    return tallies.read((spec.name for spec in COUNTERS), alongside=webhooks_counted())


def dashboard() -> dict[str, Any]:
    """Expedientes by estado, orders by status with revenue, webhook deliveries waiting or failed."""
    counters = read_counters()
    return {
        "expedientes": expedientes_summary(counters),
        "orders": orders_summary(counters),
        "webhooks": webhooks_summary(counters),
    }
