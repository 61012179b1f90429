# ruff: noqa: S608 - the SQL is assembled from module constants only; every value is a parameter.
"""The office's reports, computed in PostgreSQL from the audit trail and the counters.

*Processing times* come from the expedientes' transition events (``action = 'transition'``,
``changes.estado = [from, to]``), as the database keeps them in ``reports_expedientemove`` (one
narrow row per transition, written by a trigger in the same transaction as the audit event, see
``reports.moves``). Each move knows when its expediente entered the estado it leaves (the
previous transition, or the creation: a ``lag`` window over the trail) and when the expediente was
created. So:

- a *stay* is the time between entering an estado and leaving it; the stays counted are those that
  ended in the period (an estado still occupied has no length yet: the service-level report
  counts those);
- a *decision* is a transition to ``aprobado`` or ``rechazado`` in the period; its processing time
  is measured from the expediente's creation (when it became ``iniciado``).

Reading the whole trail of every expediente that moved in a period (a window function per
request) took 6 to 12 seconds for twelve weeks at a million expedientes; a range of the moves'
``at`` index takes tens of milliseconds.

Medians and the 90th percentile are ``percentile_cont`` (linear interpolation between the two
nearest values, as a spreadsheet's ``PERCENTILE.INC``), in seconds.

*Arrivals and decisions per week* and *orders and revenue per week* add up the per-day counters the
database keeps (``reports.daily``): a year is a few hundred rows whatever the size. One clerk's
arrivals and decisions, and *webhook deliveries per day*, are grouped counts over index ranges of
the period. Days and weeks are in UTC; weeks start on Monday; the first and last bucket only count
the days inside the period. *Backlog* and the open side of
the *service level* read the counters the database keeps per assignee and estado (``core.tallies``),
so they cost the same at any size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from accounts.models import STAFF_ROLES
from core.tallies import TABLE as TALLY_TABLE
from events.models import OutboxStatus
from expedientes.models import Estado
from expedientes.tallies import BY_ASSIGNEE_ESTADO, BY_ESTADO
from orders.models import DEFAULT_CURRENCY
from reports import daily

OPEN_ESTADOS = [Estado.INICIADO.value, Estado.EN_REVISION.value, Estado.REQUIERE_SUBSANACION.value]
DECISIONS = [Estado.APROBADO.value, Estado.RECHAZADO.value]
# Estados an expediente can leave, in the workflow's order (archivado is final).
LEFT_ESTADOS = [*OPEN_ESTADOS, *DECISIONS]
OLDEST_SHOWN = 10


@dataclass(frozen=True)
class Period:
    """Whole days in UTC, both ends included."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=UTC)

    def weeks(self) -> list[date]:
        monday = self.first - timedelta(days=self.first.weekday())
        return [monday + timedelta(weeks=n) for n in range((self.last - monday).days // 7 + 1)]

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def as_dict(self) -> dict[str, date]:
        return {"from": self.first, "to": self.last}


# A twelve-week report sorts about 100k values at a million expedientes (~10 MB): in memory, not
# in temporary files (the server's default work_mem is 4 MB). Only for the report's transaction.
REPORT_WORK_MEM = "32MB"


def _rows(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _seconds(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


# --- processing times ------------------------------------------------------------------------------

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


# --- arrivals and decisions per week -----------------------------------------------------------------

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


# --- open expedientes: service level and backlog -------------------------------------------------------

SERVICE_LEVEL_SQL = f"""
WITH open AS (
    SELECT k.estado, coalesce(sum(t.n), 0) AS n
    FROM unnest(%(open)s::text[]) AS k(estado)
    LEFT JOIN {TALLY_TABLE} AS t
      ON t.name = %(tally)s AND t.k1 = %(k1)s AND t.k2 = k.estado
    GROUP BY k.estado
),
recent AS (
    SELECT e.estado, count(*) AS n
    FROM expedientes_expediente AS e
    WHERE e.estado IN ('iniciado', 'en_revision', 'requiere_subsanacion') AND e.created_at >= %(cutoff)s
      AND (%(assignee)s::bigint IS NULL OR e.assigned_to_id = %(assignee)s::bigint)
    GROUP BY e.estado
)
SELECT open.estado, open.n, coalesce(recent.n, 0)
FROM open LEFT JOIN recent ON recent.estado = open.estado
"""

# The oldest open ones: per estado through its (estado, created_at) index, then merged; or one
# assignee's through the index of open expedientes per assignee (already in age order).
OLDEST_SQL = """
SELECT o.id, o.numero, o.estado, o.assigned_to_id, o.created_at
FROM unnest(%(open)s::text[]) AS k(estado)
CROSS JOIN LATERAL (
    SELECT e.id, e.numero, e.estado, e.assigned_to_id, e.created_at
    FROM expedientes_expediente AS e
    WHERE e.estado = k.estado AND e.created_at < %(cutoff)s
    ORDER BY e.created_at, e.id
    LIMIT %(limit)s
) AS o
ORDER BY o.created_at, o.id
LIMIT %(limit)s
"""


OLDEST_OF_ASSIGNEE_SQL = """
SELECT e.id, e.numero, e.estado, e.assigned_to_id, e.created_at
FROM expedientes_expediente AS e
WHERE e.estado IN ('iniciado', 'en_revision', 'requiere_subsanacion')
  AND e.assigned_to_id = %(assignee)s AND e.created_at < %(cutoff)s
ORDER BY e.created_at, e.id
LIMIT %(limit)s
"""


def service_level(limit_days: int, assigned_to: int | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Open expedientes (not yet decided) older than ``limit_days``: how many, in which estado, the oldest.

    Open counts come from the counters; the ones younger than the limit are counted from the
    expedientes (a short range of the newest rows), both in one statement, so the difference is exact.
    """
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=limit_days)
    if assigned_to is None:
        # BY_ESTADO keys are (estado, ''): the ON clause compares k1 with the estado instead.
        sql = SERVICE_LEVEL_SQL.replace("t.k1 = %(k1)s AND t.k2 = k.estado", "t.k1 = k.estado AND t.k2 = ''")
        params: dict[str, Any] = {"tally": BY_ESTADO.name, "k1": None}
    else:
        sql = SERVICE_LEVEL_SQL
        params = {"tally": BY_ASSIGNEE_ESTADO.name, "k1": str(assigned_to)}
    params.update({"open": OPEN_ESTADOS, "cutoff": cutoff, "assignee": assigned_to, "limit": OLDEST_SHOWN})
    by_estado: dict[str, dict[str, int]] = {}
    for estado, total, recent in _rows(sql, params):
        by_estado[estado] = {"open": int(total), "over_limit": max(int(total) - int(recent), 0)}
    oldest = [
        {
            "id": pk,
            "numero": numero,
            "estado": estado,
            "assigned_to": assignee,
            "created_at": created_at,
            "age_days": round((now - created_at).total_seconds() / 86400, 2),
        }
        for pk, numero, estado, assignee, created_at in _rows(
            OLDEST_SQL if assigned_to is None else OLDEST_OF_ASSIGNEE_SQL, params
        )
    ]
    return {
        "limit_days": limit_days,
        "assigned_to": assigned_to,
        "as_of": now,
        "open": sum(row["open"] for row in by_estado.values()),
        "over_limit": sum(row["over_limit"] for row in by_estado.values()),
        "by_estado": {estado: by_estado.get(estado, {"open": 0, "over_limit": 0}) for estado in OPEN_ESTADOS},
        "oldest": oldest,
    }


BACKLOG_SQL = f"""
SELECT name, k1, k2, sum(n) FROM {TALLY_TABLE}
WHERE (name = %(by_assignee)s AND k2 = ANY(%(open)s)) OR (name = %(by_estado)s AND k1 = ANY(%(open)s))
GROUP BY name, k1, k2
"""


def backlog() -> dict[str, Any]:
    """Open expedientes per assignee and estado (every active staff member listed, and the unassigned)."""
    per_user: dict[int, dict[str, int]] = {}
    totals = dict.fromkeys(OPEN_ESTADOS, 0)
    for name, k1, k2, n in _rows(
        BACKLOG_SQL, {"by_assignee": BY_ASSIGNEE_ESTADO.name, "by_estado": BY_ESTADO.name, "open": OPEN_ESTADOS}
    ):
        if name == BY_ESTADO.name:
            totals[k1] = int(n)
        elif int(n):
            per_user.setdefault(int(k1), dict.fromkeys(OPEN_ESTADOS, 0))[k2] = int(n)
    users = get_user_model().objects.filter(pk__in=per_user) | get_user_model().objects.filter(
        role__in=STAFF_ROLES, is_active=True, deleted_at__isnull=True
    )
    people = {pk: (username, full_name) for pk, username, full_name in users.values_list("pk", "username", "full_name")}
    rows: list[dict[str, Any]] = []
    for pk, (username, full_name) in people.items():
        counts = per_user.get(pk, dict.fromkeys(OPEN_ESTADOS, 0))
        rows.append({"user": pk, "username": username, "full_name": full_name, "total": sum(counts.values()), **counts})
    rows.sort(key=lambda row: (-row["total"], row["username"]))
    assigned = {estado: sum(counts[estado] for counts in per_user.values()) for estado in OPEN_ESTADOS}
    unassigned = {estado: max(totals[estado] - assigned[estado], 0) for estado in OPEN_ESTADOS}
    return {
        "estados": OPEN_ESTADOS,
        "assignees": rows,
        "unassigned": {"total": sum(unassigned.values()), **unassigned},
        "total": sum(totals.values()),
    }


# --- orders and webhooks ------------------------------------------------------------------------------

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
