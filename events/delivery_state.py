"""The delivery state machine after an attempt: record it and move the delivery on (succeeded, retry
later, failed or gone), in one transaction for a run's attempts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from events import health, outbox
from events.models import OutboxStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from events.transport import Outcome

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    """What happened to attempt ``number`` of a delivery; ``outcome`` ``None``: never sent (disabled)."""

    pk: int
    number: int
    token: str
    at: datetime
    outcome: Outcome | None


DISABLED = "Endpoint is disabled"


def finish(*, delivery_id: int, number: int, token: str, at: datetime, outcome: Outcome) -> str:
    """Record attempt ``number`` and move the delivery on: done, gone, retry later or failed."""
    return finish_all([Result(delivery_id, number, token, at, outcome)]).get(delivery_id, "skipped")


def finish_all(results: list[Result]) -> dict[int, str]:
    """Record the attempts and move each delivery on, in one transaction, in the order they were made.

    Successes are finished with one conditional UPDATE for all of them; a failure goes through
    ``_failed`` (the retry rules), one row at a time.
    """
    if not results:
        return {}
    now = timezone.now()
    if all(result.outcome is not None and result.outcome.succeeded for result in results):
        try:
            return _finish_succeeded(results, now)
        except IntegrityError:  # a delivery deleted under us (its endpoint was): the careful way
            logger.info("webhooks: finishing %d deliveries row by row", len(results), exc_info=True)
    answers: dict[int, str] = {}
    with transaction.atomic():
        rows = {
            row.pk: row
            for row in WebhookDelivery.objects.select_for_update(of=("self",))
            .filter(pk__in=[result.pk for result in results])
            .order_by("pk")
        }
        # The endpoint (and with it the delivery) may have been deleted during the attempt.
        present = [result for result in results if result.pk in rows]
        WebhookAttempt.objects.bulk_create(
            [
                WebhookAttempt(
                    delivery_id=result.pk,
                    number=result.number,
                    at=result.at,
                    status_code=result.outcome.status_code,
                    duration_ms=result.outcome.duration_ms,
                    error=result.outcome.error,
                    response_excerpt=result.outcome.excerpt,
                )
                for result in present
                if result.outcome is not None
            ],
            ignore_conflicts=True,
        )
        done: dict[int, list[int]] = {}  # status code -> deliveries
        reset: set[int] = set()  # endpoints whose failure streak a success ends
        for result in present:
            row = rows[result.pk]
            outcome = result.outcome
            if row.status != OutboxStatus.PENDING:
                answers[result.pk] = "recorded"
            elif outcome is not None and outcome.succeeded:
                assert outcome.status_code is not None
                done.setdefault(outcome.status_code, []).append(row.pk)
                reset.add(row.endpoint_id)
                answers[result.pk] = "succeeded"
            else:
                if row.endpoint_id in reset:  # a success came first: its reset comes first too
                    health.endpoint_succeeded([row.endpoint_id])
                    reset.discard(row.endpoint_id)
                answers[result.pk] = _failed(row, result.token, outcome, now)
        for status_code, pks in done.items():
            WebhookDelivery.objects.filter(pk__in=pks, status=OutboxStatus.PENDING).update(
                last_status_code=status_code, updated_at=now, **outbox.done_fields(now)
            )
        if reset:
            health.endpoint_succeeded(sorted(reset))
    return answers


# Every attempt succeeded (the common case): record the attempts, finish the deliveries still
# pending and end the failure streak of their endpoints, in one statement (its own transaction).
FINISH_SUCCEEDED_SQL = """
WITH results (id, number, at, status_code, duration_ms, excerpt) AS (
    SELECT * FROM unnest(%(ids)s::bigint[], %(numbers)s::integer[], %(ats)s::timestamptz[],
                         %(codes)s::integer[], %(durations)s::integer[], %(excerpts)s::text[])
), done AS (
    UPDATE {delivery} AS d SET {done}, last_status_code = r.status_code, updated_at = %(now)s
    FROM results r WHERE d.id = r.id AND d.status = 'pending'
    RETURNING d.id, d.endpoint_id
), attempts AS (
    INSERT INTO {attempt} (delivery_id, number, at, status_code, duration_ms, error, response_excerpt)
    SELECT r.id, r.number, r.at, r.status_code, r.duration_ms, '', r.excerpt
    FROM results r JOIN {delivery} d ON d.id = r.id
    ON CONFLICT (delivery_id, number) DO NOTHING
), streaks AS (
    UPDATE {endpoint} SET failing_since = NULL, consecutive_failures = 0
    WHERE id IN (SELECT endpoint_id FROM done) AND failing_since IS NOT NULL
)
SELECT r.id, EXISTS (SELECT 1 FROM done WHERE done.id = r.id)
FROM results r JOIN {delivery} d ON d.id = r.id
"""


def _finish_succeeded(results: list[Result], now: datetime) -> dict[int, str]:
    done = outbox.done_fields(now)
    sql = FINISH_SUCCEEDED_SQL.format(
        delivery=WebhookDelivery._meta.db_table,
        attempt=WebhookAttempt._meta.db_table,
        endpoint=WebhookEndpoint._meta.db_table,
        done=", ".join(f"{name} = %(done_{name})s" for name in done),
    )
    outcomes = [result.outcome for result in results if result.outcome is not None]
    params: dict[str, Any] = {f"done_{name}": value for name, value in done.items()}
    params.update(
        now=now,
        ids=[result.pk for result in results],
        numbers=[result.number for result in results],
        ats=[result.at for result in results],
        codes=[outcome.status_code for outcome in outcomes],
        durations=[outcome.duration_ms for outcome in outcomes],
        excerpts=[outcome.excerpt for outcome in outcomes],
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: "succeeded" if finished else "recorded" for pk, finished in cursor.fetchall()}


def _failed(delivery: WebhookDelivery, token: str, outcome: Outcome | None, now: datetime) -> str:
    """The one place a pending delivery fails an attempt (or is never sent): the retry rules.

    ``outcome`` ``None``: the endpoint is disabled, so the claimed attempt was never made.
    """
    if outcome is None:
        if delivery.lease_token != token:
            return "recorded"
        outbox.mark_failed(delivery, now=now, error=DISABLED)
        # The claim counted an attempt that was never made.
        delivery.attempt_count = max(delivery.attempt_count - 1, 0)
        delivery.save()
        return "failed"
    delivery.last_status_code = outcome.status_code
    if delivery.lease_token != token:
        # Our lease ran out and another worker owns the delivery now; it decides what comes next.
        delivery.save(update_fields=["last_status_code", "updated_at"])
        return "recorded"
    if outcome.gone:
        outbox.mark_failed(delivery, now=now, error=outcome.error)
        delivery.save()
        health.disable_endpoint(
            endpoint_id=delivery.endpoint_id, reason="The receiver answered 410 Gone", now=now, notify=False
        )
        return "gone"
    delay = outbox.schedule_next(
        delivery,
        schedule=settings.WEBHOOK_RETRY_SCHEDULE,
        now=now,
        error=outcome.error,
        retry_after=outcome.retry_after,
    )
    delivery.save()
    health.endpoint_failed(delivery.endpoint_id, now)
    if delay is not None and 0 < delay <= settings.OUTBOX_MAX_COUNTDOWN_SECONDS and outbox.mode() != "inline":
        # A short wait rides a countdown (a broker's, or the background thread's timer); anything
        # longer waits for the sweep (see outbox.py).
        pk = delivery.pk
        WebhookDelivery.objects.filter(pk=pk).update(enqueued_at=now)
        transaction.on_commit(lambda: outbox.enqueue(deliveries=[pk], countdown=delay), robust=True)
    return "retry" if delay is not None else "failed"
