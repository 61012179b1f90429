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

from reports.figures.activity import WEBHOOKS_SQL, orders_per_week, webhooks_per_day
from reports.figures.base import DECISIONS, LEFT_ESTADOS, OLDEST_SHOWN, OPEN_ESTADOS, REPORT_WORK_MEM, Period
from reports.figures.open_work import (
    BACKLOG_SQL,
    OLDEST_OF_ASSIGNEE_SQL,
    OLDEST_SQL,
    SERVICE_LEVEL_SQL,
    backlog,
    service_level,
)
from reports.figures.processing import (
    ASSIGNEE_MOVES,
    PROCESSING_ALL_SQL,
    PROCESSING_KEYS,
    PROCESSING_SQL,
    processing_times,
)
from reports.figures.throughput import THROUGHPUT_KINDS, THROUGHPUT_SQL, throughput

__all__ = [
    "ASSIGNEE_MOVES",
    "BACKLOG_SQL",
    "DECISIONS",
    "LEFT_ESTADOS",
    "OLDEST_OF_ASSIGNEE_SQL",
    "OLDEST_SHOWN",
    "OLDEST_SQL",
    "OPEN_ESTADOS",
    "PROCESSING_ALL_SQL",
    "PROCESSING_KEYS",
    "PROCESSING_SQL",
    "REPORT_WORK_MEM",
    "SERVICE_LEVEL_SQL",
    "THROUGHPUT_KINDS",
    "THROUGHPUT_SQL",
    "WEBHOOKS_SQL",
    "Period",
    "backlog",
    "orders_per_week",
    "processing_times",
    "service_level",
    "throughput",
    "webhooks_per_day",
]
