"""Connection setup: timestamps read by C code instead of psycopg's Python loader.

Django registers its own ``timestamptz`` loader on every psycopg connection (a subclass of psycopg's
pure-Python ``TimestamptzLoader`` that pins the tzinfo), so every datetime of every row is parsed in
Python: on a 100-row list page with two timestamps per row that is a measurable share of the request.
PostgreSQL sends ``2024-01-01 10:00:00.5+00`` (``DateStyle=ISO``), which ``datetime.fromisoformat``
(C) reads; anything it does not (BC dates, ``infinity``, years past 9999) takes the original path.
The result is identical: the same instant with the same ``tzinfo`` Django would set.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.backends.signals import connection_created
from django.dispatch import receiver

try:  # psycopg 3 is the project's driver; the import is guarded like Django's own.
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader
except ImportError:  # pragma: no cover
    BaseTzLoader = None


def fast_tz_loader(tz: datetime.tzinfo) -> type:
    """A loader class for ``tz`` (Django's connection timezone) with a C fast path."""

    class FastTzLoader(BaseTzLoader):  # type: ignore[misc, valid-type]
        timezone = tz

        def load(self, data: Any) -> datetime.datetime:
            try:
                value = datetime.datetime.fromisoformat(bytes(data).decode())
            except ValueError:
                return super().load(data)
            tzinfo = value.tzinfo
            if tzinfo is tz:
                return value
            if tzinfo is None:
                return super().load(data)
            return value.replace(tzinfo=tz) if value.utcoffset() == tz.utcoffset(value) else value.astimezone(tz)

    return FastTzLoader


@receiver(connection_created)
def use_fast_timestamps(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "postgresql" or BaseTzLoader is None or connection.timezone is None:
        return
    raw = connection.connection
    adapters = getattr(raw, "adapters", None)
    if adapters is None:  # psycopg2 has no adapters map
        return
    adapters.register_loader("timestamptz", fast_tz_loader(connection.timezone))
