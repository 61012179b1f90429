"""Processing times: stays per estado and decisions, from the expedientes' moves (see ``reports.figures``)."""

from __future__ import annotations

from typing import Any

from reports.figures.base import DECISIONS, LEFT_ESTADOS, Period, _rows, _seconds

# One clerk's: two ranges of the moves' indexes for the period, read from the indexes alone: every move (the
# stays, per estado left) and the decisions (their partial index; the ROLLUP row is the total).
# Groups sort in the "C" collation (bytes, not the locale's rules: several times faster), and both
# percentiles of a group come from one sort of its values.
PROCESSING_SQL = """
SELECT 'stay', m.from_estado COLLATE "C", count(*),
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY date_part('epoch', m.at - m.entered_at)),
       avg(date_part('epoch', m.at - m.entered_at))
FROM reports_expedientemove AS m
WHERE m.at >= %(start)s AND m.at < %(end)s {assignee}
GROUP BY 2
UNION ALL
SELECT 'decision', coalesce(m.to_estado COLLATE "C", 'all'), count(*),
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY date_part('epoch', m.at - m.started_at)),
       avg(date_part('epoch', m.at - m.started_at))
FROM reports_expedientemove AS m
WHERE m.at >= %(start)s AND m.at < %(end)s AND m.to_estado IN ('aprobado', 'rechazado') {assignee}
GROUP BY ROLLUP (m.to_estado COLLATE "C")
"""
PROCESSING_KEYS = [
    *(("stay", estado) for estado in LEFT_ESTADOS),
    ("decision", "all"),
    *(("decision", estado) for estado in DECISIONS),
]

# Everyone's: one branch per group, each a range of an index of that group alone (its estado, its
# outcome, or the decisions' partial index for both outcomes) that holds the durations the database computed when the move was
# written, so no row is filtered, regrouped or computed, and each percentile sorts only its own
# values; the planner runs the branches in parallel workers (a Parallel Append). A year at a
# million expedientes is ~450k stays and ~130k decisions.
_GROUP_SQL = """SELECT '{kind}', '{key}', count(*),
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY m.{seconds}), avg(m.{seconds})
FROM reports_expedientemove AS m
WHERE {where} AND m.at >= %(start)s AND m.at < %(end)s"""
PROCESSING_ALL_SQL = "\nUNION ALL\n".join(
    [
        *(
            _GROUP_SQL.format(kind="stay", key=estado, seconds="stay_seconds", where=f"m.from_estado = '{estado}'")
            for estado in LEFT_ESTADOS
        ),
        *(
            _GROUP_SQL.format(
                kind="decision", key=estado, seconds="decision_seconds", where=f"m.to_estado = '{estado}'"
            )
            for estado in DECISIONS
        ),
        _GROUP_SQL.format(
            kind="decision", key="all", seconds="decision_seconds", where="m.to_estado IN ('aprobado', 'rechazado')"
        ),
    ]
)

# Moves of the expedientes now assigned to one clerk: that clerk's expedientes from their index.
ASSIGNEE_MOVES = (
    "AND m.expediente_id IN (SELECT e.id FROM expedientes_expediente AS e WHERE e.assigned_to_id = %(assignee)s)"
)


def _summary(count: int = 0, median: Any = None, p90: Any = None, mean: Any = None) -> dict[str, Any]:
    """Durations in seconds, to the millisecond."""
    return {
        "count": int(count),
        "median_seconds": _seconds(median),
        "p90_seconds": _seconds(p90),
        "mean_seconds": _seconds(mean),
    }


def processing_times(period: Period, assigned_to: int | None = None) -> dict[str, Any]:
    """Median and p90 from ``iniciado`` to a decision, and the length of the stays in each estado."""
    sql = PROCESSING_ALL_SQL if assigned_to is None else PROCESSING_SQL.format(assignee=ASSIGNEE_MOVES)
    found = {key: _summary() for key in PROCESSING_KEYS}
    for kind, key, count, percentiles, mean in _rows(
        sql, {"start": period.start, "end": period.end, "assignee": assigned_to}
    ):
        median, p90 = percentiles or (None, None)
        found[kind, key] = _summary(count, median, p90, mean)
    stays = {estado: found["stay", estado] for estado in LEFT_ESTADOS}
    decisions = {key: found["decision", key] for key in ("all", *DECISIONS)}
    return {
        "period": period.as_dict(),
        "assigned_to": assigned_to,
        "decisions": {
            **decisions["all"],
            "by_outcome": {estado: decisions[estado] for estado in DECISIONS},
        },
        "time_in_estado": [{"estado": estado, **stays[estado]} for estado in LEFT_ESTADOS if estado in stays],
    }
