"""Orders and revenue per week, webhook deliveries per day."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from events.models import OutboxStatus
from orders.models import DEFAULT_CURRENCY
from reports import daily
from reports.figures.base import Period, _rows
from reports.figures.throughput import _daily_params

# The per-day counters of orders (kind ``order``; their ``amount`` is the day's revenue), per week.


def orders_per_week(period: Period) -> dict[str, Any]:
    """Orders placed per week and their revenue (the dashboard's rule: confirmed to delivered)."""
    weeks = {week: {"week": week, "orders": 0, "revenue": Decimal("0.00")} for week in period.weeks()}
    for _kind, week, count, revenue in _rows(daily.WEEKLY_SQL, _daily_params(period, "order")):
        weeks[week].update(orders=count, revenue=Decimal(revenue).quantize(Decimal("0.01")))
    return {"period": period.as_dict(), "currency": DEFAULT_CURRENCY, "weeks": list(weeks.values())}


WEBHOOKS_SQL = """
SELECT (date_trunc('day', d.completed_at AT TIME ZONE 'UTC'))::date, d.status, count(*)
FROM events_webhookdelivery AS d
WHERE d.status IN ('succeeded', 'failed') AND d.completed_at >= %(start)s AND d.completed_at < %(end)s
GROUP BY 1, 2
"""


def webhooks_per_day(period: Period) -> dict[str, Any]:
    """Webhook deliveries that succeeded or ran out of attempts, per day they were settled."""
    days = {day: {"day": day, OutboxStatus.SUCCEEDED.value: 0, OutboxStatus.FAILED.value: 0} for day in period.days()}
    for day, status, count in _rows(WEBHOOKS_SQL, {"start": period.start, "end": period.end}):
        days[day][status] = count
    return {"period": period.as_dict(), "days": list(days.values())}
