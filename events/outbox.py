"""The outbox machinery shared by webhook deliveries and emails.

The database row is the source of truth: a row is *due* when it is pending and its
``next_attempt_at`` has passed, and *in flight* while a worker's lease (``locked_until``) runs.
The broker is only a doorbell: on commit we ring it for the new rows, and the sweep (beat task,
``manage.py process_outbox``) rings it again for anything due that nobody is working on, so a
broker outage or a killed worker delays a delivery but never loses it.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from celery import current_app
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from events.models import EmailMessage, OutboxRow, OutboxStatus, WebhookDelivery

logger = logging.getLogger(__name__)

Row = TypeVar("Row", bound=OutboxRow)
T = TypeVar("T")

# A broker that is down must not hold a request (or the sweep) hostage for long.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def eager() -> bool:
    """No broker: rows are sent by this process (see ``mode``)."""
    return bool(current_app.conf.task_always_eager)


def mode() -> str:
    """``broker`` (workers send), ``background`` (a thread of this process sends, right after the
    commit: ``events.background``) or ``inline`` (the committing thread sends: the test suite)."""
    if not eager():
        return "broker"
    return "inline" if settings.OUTBOX_WITHOUT_BROKER == "inline" else "background"


def retry_delay(schedule: list[float], attempts_in_round: int, jitter: float | None = None) -> float | None:
    """Seconds until the next attempt after ``attempts_in_round`` failed ones; ``None`` when exhausted.

    ``schedule[n]`` is the delay before attempt ``n + 1`` (``schedule[0]``, normally 0, is the first
    attempt). Positive delays get +-``jitter`` (a fraction) so retries of many deliveries spread out.
    """
    if attempts_in_round >= len(schedule):
        return None
    base = float(schedule[attempts_in_round])
    spread = settings.OUTBOX_RETRY_JITTER if jitter is None else jitter
    if base <= 0 or spread <= 0:
        return max(base, 0.0)
    return base * random.uniform(1 - spread, 1 + spread)


def record_through_outage(record: Callable[[], T], *, until: float, what: str) -> T:
    """Run ``record`` (it writes the outcome of attempts already made), again while the database
    is unreachable, until the monotonic deadline ``until`` (the end of the lease).

    The receiver already has those messages: giving up would leave the rows to be retried once the
    lease runs out, and so sent twice. A database restart shorter than the lease costs a wait
    instead of a duplicate. Inside a caller's transaction nothing can be retried: it raises at once.
    """
    wait = 0.2
    while True:
        try:
            return record()
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block or time.monotonic() + wait >= until:
                raise
            logger.warning("outbox: database unreachable while recording %s; retrying in %.1f s", what, wait)
            connection.close()  # a broken connection is replaced at the next query
            time.sleep(wait)
            wait = min(wait * 2, 2.0)


@dataclass(frozen=True)
class Claim:
    """A worker's right to make attempt ``number`` of a row until its lease runs out."""

    pk: int
    number: int
    token: str
    lost_attempt: int | None  # the attempt a lost worker left unrecorded, if any


def claim(model: type[Row], pk: int, *, now: datetime | None = None) -> tuple[Row, Claim] | None:
    """Lock the row and take a short lease on it, or ``None`` when it is done, not due or leased.

    Runs in its own short transaction: the lease (not a row lock) protects the row while the
    slow part (HTTP, SMTP) runs, so no database transaction stays open across the network.
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = model._default_manager.select_for_update(of=("self",)).filter(pk=pk).first()
        if row is None or row.status != OutboxStatus.PENDING:
            return None
        if row.next_attempt_at is None or row.next_attempt_at > now:
            return None
        if row.locked_until is not None and row.locked_until > now:
            return None
        # A lease that ran out with no result means the worker died during that attempt.
        lost = row.attempt_count if row.lease_token else None
        row.attempt_count += 1
        row.locked_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        row.lease_token = str(uuid.uuid4())
        row.enqueued_at = None  # the doorbell was answered; the sweep may ring again once the lease ends
        row.save(update_fields=["attempt_count", "locked_until", "lease_token", "enqueued_at", "updated_at"])
        return row, Claim(pk=row.pk, number=row.attempt_count, token=row.lease_token, lost_attempt=lost)


def schedule_next(
    row: OutboxRow,
    *,
    schedule: list[float],
    now: datetime,
    error: str,
    retry_after: float | None = None,
) -> float | None:
    """After a failed attempt: set the next attempt time (or mark the row failed). Returns the delay."""
    delay = retry_delay(schedule, row.attempt_count - row.schedule_start)
    if delay is not None and retry_after is not None:
        delay = min(max(retry_after, 0.0), float(settings.OUTBOX_MAX_RETRY_AFTER_SECONDS))
    if delay is None:
        mark_failed(row, now=now, error=error)
        return None
    row.last_error = error[:2000]
    row.locked_until = None
    row.lease_token = ""
    row.next_attempt_at = now + timedelta(seconds=delay)
    return delay


def mark_failed(row: OutboxRow, *, now: datetime, error: str) -> None:
    """A row that will not be attempted again (retries exhausted, endpoint disabled or gone): its
    lease dropped and ``error`` kept. The caller saves it."""
    row.status = OutboxStatus.FAILED
    row.next_attempt_at = None
    row.locked_until = None
    row.lease_token = ""
    row.last_error = error[:2000]
    row.completed_at = now


def done_fields(now: datetime) -> dict[str, Any]:
    """What a row that succeeded looks like (for ``mark_done`` and bulk updates alike)."""
    return {
        "status": OutboxStatus.SUCCEEDED,
        "next_attempt_at": None,
        "locked_until": None,
        "lease_token": "",
        "last_error": "",
        "completed_at": now,
    }


def mark_done(row: OutboxRow, *, now: datetime) -> None:
    for name, value in done_fields(now).items():
        setattr(row, name, value)


# --- ringing the doorbell ------------------------------------------------------------------------


# The tasks (``events.tasks``) are above this module: it rings them by name, from Celery's registry
# (``EventsConfig.ready()`` imports ``events.tasks``, so every process has them registered).
DELIVER_WEBHOOKS = "events.deliver_webhooks"
SEND_EMAIL = "events.send_email"


def _task(name: str) -> Any:
    return current_app.tasks[name]


def _no_background(*, deliveries: Iterable[int], emails: Iterable[int], delay: float) -> None:
    raise RuntimeError("events.background is not registered: the events app is not ready")


# Without a broker, rows go to this process's sending thread. ``events.background`` (above this
# module: it sends with ``events.delivery``) registers its ``submit`` from ``EventsConfig.ready()``.
_background: Callable[..., None] = _no_background


def register_background(submit: Callable[..., None]) -> None:
    """Where ``enqueue`` hands rows without a broker (``events.background.submit``)."""
    global _background
    _background = submit


def _publish(task: Any, args: tuple[Any, ...], countdown: float | None = None) -> None:
    if eager():
        # Run here and now, without touching the (absent) broker's connection pool.
        task.apply(args)
        return
    task.apply_async(args, countdown=countdown, retry=True, retry_policy=PUBLISH_RETRY_POLICY)


def enqueue(
    *,
    deliveries: Iterable[int] = (),
    emails: Iterable[int] = (),
    countdown: float | None = None,
    in_this_thread: bool = False,
) -> None:
    """Hand rows to the workers (or, without a broker, to this process's sending thread). Never raises.

    Deliveries travel up to ``WEBHOOK_BATCH_SIZE`` to a message (a commit's fan-out is one
    message); emails one to a message. Called from ``transaction.on_commit(..., robust=True)``.
    When the broker refuses, the rows' ``enqueued_at`` is cleared so the next sweep picks them up
    at once. Without a broker the rows go to ``events.background`` (never sent in the request's
    thread), unless ``in_this_thread`` (the sweep, which runs outside any request) or the
    ``inline`` mode of the test suite.
    """
    pks = list(deliveries)
    if not in_this_thread and mode() == "background":
        _background(deliveries=pks, emails=emails, delay=countdown or 0.0)
        return
    size = max(int(settings.WEBHOOK_BATCH_SIZE), 1)
    deliver, send = _task(DELIVER_WEBHOOKS), _task(SEND_EMAIL)
    jobs: list[tuple[Any, type[OutboxRow], list[int]]] = [
        (deliver, WebhookDelivery, pks[start : start + size]) for start in range(0, len(pks), size)
    ]
    jobs += [(send, EmailMessage, [pk]) for pk in emails]
    for index, (task, model, rows) in enumerate(jobs):
        try:
            _publish(task, (rows if model is WebhookDelivery else rows[0],), countdown=countdown)
        except Exception:  # broker down: the database still holds the row; the sweep will send it
            logger.warning("outbox: could not enqueue %s %s; the sweep will retry", model.__name__, rows, exc_info=True)
            _forget_enqueued(jobs[index:])
            return


def _forget_enqueued(jobs: list[tuple[Any, type[OutboxRow], list[int]]]) -> None:
    by_model: dict[type[OutboxRow], list[int]] = {}
    for _, model, rows in jobs:
        by_model.setdefault(model, []).extend(rows)
    try:
        for model, pks in by_model.items():
            model._default_manager.filter(pk__in=pks).update(enqueued_at=None)
    except Exception:  # the sweep's requeue interval covers this too
        logger.warning("outbox: could not clear enqueued_at", exc_info=True)


def _due(model: type[OutboxRow], now: datetime, limit: int, *, skip_enqueued: bool) -> list[int]:
    due = model._default_manager.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    )
    if skip_enqueued:
        requeue_before = now - timedelta(seconds=settings.OUTBOX_REQUEUE_SECONDS)
        due = due.filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=requeue_before))
    return list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])


@dataclass(frozen=True)
class SweepResult:
    deliveries: int
    emails: int


def sweep(*, limit: int | None = None) -> SweepResult:
    """Enqueue (or, without a broker, send in this thread) every due row that no worker holds.

    With a broker, rows handed over less than ``OUTBOX_REQUEUE_SECONDS`` ago are left alone, so a
    backed-up queue is not flooded with copies; a lost message is re-sent after that interval.
    """
    limit = limit or settings.OUTBOX_SWEEP_BATCH
    now = timezone.now()
    queued = not eager()
    deliveries = _due(WebhookDelivery, now, limit, skip_enqueued=queued)
    emails = _due(EmailMessage, now, limit, skip_enqueued=queued)
    if queued:
        WebhookDelivery.objects.filter(pk__in=deliveries).update(enqueued_at=now)
        EmailMessage.objects.filter(pk__in=emails).update(enqueued_at=now)
    enqueue(deliveries=deliveries, emails=emails, in_this_thread=True)
    return SweepResult(deliveries=len(deliveries), emails=len(emails))
