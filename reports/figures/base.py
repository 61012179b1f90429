"""What every report shares: the estados it groups by, the period, and the query runner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction

from expedientes.models import Estado

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
