"""Arrivals and decisions per week: the per-day counters, or one clerk's expedientes by index."""

from __future__ import annotations

from typing import Any

from reports import daily
from reports.figures.base import DECISIONS, Period, _rows
from reports.figures.processing import ASSIGNEE_MOVES

# Everyone's arrivals and decisions come from the per-day counters (``reports.daily``): a year is a
# few hundred rows. One clerk's are counted from the rows below (her expedientes, by index).
THROUGHPUT_KINDS = ("arrival", *DECISIONS)


def _daily_params(period: Period, *kinds: str) -> dict[str, Any]:
    return {"first": period.first, "last": period.last, "kinds": list(kinds)}


THROUGHPUT_SQL = """
SELECT 'arrival', (date_trunc('week', e.created_at AT TIME ZONE 'UTC'))::date, '', count(*)
FROM expedientes_expediente AS e
WHERE e.created_at >= %(start)s AND e.created_at < %(end)s {assignee_expedientes}
GROUP BY 2
UNION ALL
SELECT 'decision', (date_trunc('week', m.at AT TIME ZONE 'UTC'))::date, m.to_estado, count(*)
FROM reports_expedientemove AS m
WHERE m.at >= %(start)s AND m.at < %(end)s AND m.to_estado IN ('aprobado', 'rechazado') {assignee_moves}
GROUP BY 2, 3
"""


def throughput(period: Period, assigned_to: int | None = None) -> dict[str, Any]:
    """Expedientes created and decided (approved, rejected) per week of the period."""
    weeks = {
        week: {"week": week, "arrivals": 0, "decisions": 0, "aprobado": 0, "rechazado": 0} for week in period.weeks()
    }
    sql = THROUGHPUT_SQL.format(
        assignee_expedientes="AND e.assigned_to_id = %(assignee)s" if assigned_to is not None else "",
        assignee_moves=ASSIGNEE_MOVES if assigned_to is not None else "",
    )
    if assigned_to is None:
        # Everyone's: the per-day counters (kinds arrival, aprobado, rechazado), summed per week.
        found = [
            ("arrival" if kind == "arrival" else "decision", week, kind, count)
            for kind, week, count, _amount in _rows(daily.WEEKLY_SQL, _daily_params(period, *THROUGHPUT_KINDS))
        ]
    else:
        found = _rows(sql, {"start": period.start, "end": period.end, "assignee": assigned_to})
    for kind, week, outcome, count in found:
        row = weeks[week]
        if kind == "arrival":
            row["arrivals"] = count
        else:
            row[outcome] = count
            row["decisions"] += count
    return {"period": period.as_dict(), "assigned_to": assigned_to, "weeks": list(weeks.values())}
