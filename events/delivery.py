"""Sending webhooks: claim due deliveries (a lease, in one statement), POST each over
``events.transport``, then hand the outcomes to ``events.delivery_state``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from events import outbox, transport
from events.delivery_state import Result, finish_all
from events.metrics import observe_attempt
from events.models import Event, OutboxStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

# --- claiming: due, unleased deliveries, loaded with what the attempt needs, in one statement ---------


@dataclass(frozen=True)
class Job:
    """A claimed delivery: the right to make attempt ``number`` until the lease runs out."""

    pk: int
    number: int
    token: str
    event_id: int
    event_type: str
    event_data: Any
    event_created_at: datetime
    endpoint_id: int
    url: str
    active: bool
    secret: str
    previous_secret: str
    previous_secret_expires_at: datetime | None

    def secrets(self, now: datetime) -> list[str]:
        return WebhookEndpoint(
            secret=self.secret,
            previous_secret=self.previous_secret,
            previous_secret_expires_at=self.previous_secret_expires_at,
        ).secrets(now)

    def body(self) -> bytes:
        return transport.body(self.event_type, self.event_created_at, self.event_data)


LOST = "No result: the worker was lost during the attempt"

# ``mine``: the deliveries the message named; ``others``: further due deliveries (oldest due first)
# nobody holds, skipping rows another worker is claiming. A lease that ran out with a token still
# set means a worker died during that attempt: the attempt is recorded as lost here too.
CLAIM_SQL = """
WITH mine AS (
    SELECT id, lease_token FROM {delivery}
    WHERE id = ANY(%(mine)s::bigint[]) AND status = 'pending' AND next_attempt_at <= %(now)s
      AND (locked_until IS NULL OR locked_until <= %(now)s)
    FOR UPDATE SKIP LOCKED
), others AS (
    SELECT id, lease_token FROM {delivery}
    WHERE status = 'pending' AND next_attempt_at <= %(now)s
      AND (locked_until IS NULL OR locked_until <= %(now)s) AND NOT (id = ANY(%(mine)s::bigint[]))
    ORDER BY next_attempt_at, id
    LIMIT %(more)s
    FOR UPDATE SKIP LOCKED
), picked AS (
    SELECT * FROM mine UNION ALL SELECT * FROM others
), claimed AS (
    UPDATE {delivery} AS d
    SET attempt_count = d.attempt_count + 1, locked_until = %(lease_until)s,
        lease_token = gen_random_uuid()::text, enqueued_at = NULL, updated_at = %(now)s
    FROM picked WHERE d.id = picked.id
    RETURNING d.id, d.attempt_count, d.lease_token, d.event_id, d.endpoint_id, picked.lease_token AS previous
), lost AS (
    INSERT INTO {attempt} (delivery_id, number, at, error, response_excerpt)
    SELECT id, attempt_count - 1, %(now)s, %(lost)s, '' FROM claimed WHERE previous <> ''
    ON CONFLICT (delivery_id, number) DO NOTHING
)
SELECT c.id, c.attempt_count, c.lease_token, e.id, e.type, e.data, e.created_at,
       p.id, p.url, p.active, p.secret, p.previous_secret, p.previous_secret_expires_at
FROM claimed c
JOIN {event} e ON e.id = c.event_id
JOIN {endpoint} p ON p.id = c.endpoint_id
ORDER BY c.id = ANY(%(mine)s::bigint[]) DESC, c.id
"""


def claim(mine: list[int], *, more: int = 0, now: datetime | None = None) -> list[Job]:
    """Lease deliveries ``mine`` (those due and free) and up to ``more`` other due, free deliveries.

    One statement, in its own short transaction: the lease (not a row lock) protects the rows
    while the HTTP calls run, so no database transaction stays open across the network.
    """
    now = now or timezone.now()
    sql = CLAIM_SQL.format(
        delivery=WebhookDelivery._meta.db_table,
        attempt=WebhookAttempt._meta.db_table,
        event=Event._meta.db_table,
        endpoint=WebhookEndpoint._meta.db_table,
    )
    params: dict[str, Any] = {
        "mine": list(mine),
        "more": max(more, 0),
        "now": now,
        "lease_until": now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
        "lost": LOST,
    }
    with connection.cursor() as cursor:  # one statement: its own transaction
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    jobs = []
    for row in rows:
        data = row[5]
        jobs.append(
            Job(
                pk=row[0],
                number=row[1],
                token=row[2],
                event_id=row[3],
                event_type=row[4],
                event_data=orjson.loads(data) if isinstance(data, (str, bytes)) else data,
                event_created_at=row[6],
                endpoint_id=row[7],
                url=row[8],
                active=row[9],
                secret=row[10],
                previous_secret=row[11],
                previous_secret_expires_at=row[12],
            )
        )
    return jobs


# --- one task: claim, send, finish --------------------------------------------------------------------


def deliver(*, delivery_id: int, batch: int = 1) -> str:
    """Make the next attempt of a delivery if it is due and free; returns what happened to it."""
    return deliver_many([delivery_id], batch=batch).get(delivery_id, "skipped")


def deliver_many(delivery_ids: list[int], *, batch: int = 1) -> dict[int, str]:
    """Make the next attempt of each delivery that is due and free; returns what happened to each.

    With ``batch`` above their number (a worker), other due deliveries nobody holds go in the
    same run, up to ``batch`` in all, sent one after another over keep-alive connections and finished together (at least
    every ``WEBHOOK_BATCH_FLUSH_SECONDS``), so the messages for them find them done. Safe to run
    any number of times for the same delivery: the lease lets one worker at a time attempt it, and
    each attempt number is recorded at most once. A worker killed during a run leaves its claims
    to run out; each is then recorded as a lost attempt and retried, as a single one always was.
    """
    jobs = claim(delivery_ids, more=batch - len(delivery_ids))
    if not jobs:
        return {}
    timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)
    started = time.monotonic()
    lease_ends = started + settings.OUTBOX_LEASE_SECONDS
    # No attempt may start that could outlive the task's soft time limit.
    budget = float(getattr(settings, "CELERY_TASK_SOFT_TIME_LIMIT", None) or 90) - timeout - 5
    flush_every = float(settings.WEBHOOK_BATCH_FLUSH_SECONDS)
    gone: set[int] = set()  # endpoints that answered 410 during this run
    results: list[Result] = []
    answers: dict[int, str] = {}
    flushed = started
    index = 0
    while index < len(jobs):
        job = jobs[index]
        if index:
            elapsed = time.monotonic() - started
            if elapsed > budget:
                release(jobs[index:])
                break
            if lease_ends - time.monotonic() < timeout + 1:
                # Another attempt might outlive the lease: extend it for what is left of the run.
                jobs[index:] = extend(jobs[index:])
                lease_ends = time.monotonic() + settings.OUTBOX_LEASE_SECONDS
                if index >= len(jobs):
                    break
                job = jobs[index]
        index += 1
        now = timezone.now()
        if not job.active or job.endpoint_id in gone:
            results.append(Result(job.pk, job.number, job.token, now, None))
            continue
        body = job.body()
        headers = transport.sign_headers(msg_id=str(job.event_id), body=body, secrets=job.secrets(now), at=now)
        outcome = transport.post(job.url, body, headers)
        observe_attempt(job.endpoint_id, outcome.status_code)
        if outcome.gone:
            gone.add(job.endpoint_id)
        results.append(Result(job.pk, job.number, job.token, now, outcome))
        if time.monotonic() - flushed >= flush_every:
            answers.update(_record(results, lease_ends))
            results, flushed = [], time.monotonic()
    answers.update(_record(results, lease_ends))
    return answers


def _record(results: list[Result], lease_ends: float) -> dict[int, str]:
    return outbox.record_through_outage(
        partial(finish_all, results), until=lease_ends - 1, what=f"{len(results)} webhook attempts"
    )


EXTEND_SQL = """
UPDATE {delivery} SET locked_until = %s, updated_at = %s
WHERE id = ANY(%s::bigint[]) AND lease_token = ANY(%s::text[]) AND status = %s RETURNING id
"""


def extend(jobs: list[Job]) -> list[Job]:
    """Renew the lease on claims still held; returns those (a lost one is dropped from the run)."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            EXTEND_SQL.format(delivery=WebhookDelivery._meta.db_table),
            [
                now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
                now,
                [job.pk for job in jobs],
                [job.token for job in jobs],
                OutboxStatus.PENDING.value,
            ],
        )
        held = {row[0] for row in cursor.fetchall()}
    return [job for job in jobs if job.pk in held]


def release(jobs: list[Job]) -> None:
    """Hand claims back unattempted (attempt count restored) and ring the doorbell for them."""
    now = timezone.now()
    with transaction.atomic():
        released = list(
            WebhookDelivery.objects.select_for_update()
            .filter(
                pk__in=[job.pk for job in jobs],
                lease_token__in=[job.token for job in jobs],
                status=OutboxStatus.PENDING,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        WebhookDelivery.objects.filter(pk__in=released).update(
            attempt_count=F("attempt_count") - 1, locked_until=None, lease_token="", enqueued_at=now, updated_at=now
        )
        if released:
            transaction.on_commit(partial(outbox.enqueue, deliveries=released), robust=True)
