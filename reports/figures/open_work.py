# ruff: noqa: S608 - the SQL is assembled from module constants only; every value is a parameter.
"""Open expedientes: the service level (open past a limit, the oldest) and the backlog per assignee."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model

from accounts.models import STAFF_ROLES
from core.tallies import TABLE as TALLY_TABLE
from expedientes.tallies import BY_ASSIGNEE_ESTADO, BY_ESTADO
from reports.figures.base import OLDEST_SHOWN, OPEN_ESTADOS, _rows

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
