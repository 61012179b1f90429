"""Helpers for this project's outgoing HTTP clients (webhook deliveries, the payment provider)."""

from __future__ import annotations

import email.utils
from datetime import datetime

from django.utils import timezone


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date, counted from ``now``,
    default the current time); ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max((when - (now or timezone.now())).total_seconds(), 0.0)
