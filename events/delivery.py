"""Sending webhooks: claim due deliveries, sign, POST, record, then finish or schedule the next try."""

from __future__ import annotations

import email.utils
import logging
import socket
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import orjson
import requests
import urllib3
import urllib3.connection
import urllib3.exceptions
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from requests.adapters import HTTPAdapter
from standardwebhooks import Webhook
from urllib3.util.timeout import _DEFAULT_TIMEOUT

from events import outbox, ssrf
from events.metrics import observe_attempt
from events.models import Event, OutboxStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

USER_AGENT = "expedientes-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int | None
    error: str
    excerpt: str = ""
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def payload(delivery: WebhookDelivery) -> bytes:
    """The body of every attempt: ``{"type", "timestamp", "data"}`` with the event's own time."""
    event = delivery.event
    return _body(event.type, event.created_at, event.data)


def _body(event_type: str, created_at: datetime, data: Any) -> bytes:
    timestamp = created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return orjson.dumps({"type": event_type, "timestamp": timestamp, "data": data})


def sign_headers(*, msg_id: str, body: bytes, secrets: list[str], at: datetime) -> dict[str, str]:
    """Standard Webhooks headers; one ``v1,`` signature per secret, space separated."""
    text = body.decode()
    signatures = " ".join(Webhook(secret).sign(msg_id=msg_id, timestamp=at, data=text) for secret in secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - now).total_seconds(), 0.0)


# --- HTTP: one keep-alive session per receiver, connecting only to the checked addresses ------------


class _PinnedHTTPConnection(urllib3.connection.HTTPConnection):
    """Connects to the addresses ``events.ssrf.resolve`` checked (``pinned``), never to what a new
    lookup of the name would answer; the name itself still goes in the Host header and, over
    TLS, in SNI and the certificate check."""

    pinned: tuple[tuple[int, ssrf.SockAddr], ...] = ()

    def _new_conn(self) -> socket.socket:
        error: OSError | None = None
        for family, sockaddr in self.pinned:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                if self.timeout is not _DEFAULT_TIMEOUT:
                    sock.settimeout(self.timeout)
                sock.connect(sockaddr)
            except TimeoutError as exc:
                sock.close()
                raise urllib3.exceptions.ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                ) from exc
            except OSError as exc:
                sock.close()
                error = exc
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        raise urllib3.exceptions.NewConnectionError(self, f"Failed to establish a new connection: {error}")


class _PinnedHTTPSConnection(_PinnedHTTPConnection, urllib3.connection.HTTPSConnection):
    pass


class _PinnedAdapter(HTTPAdapter):
    """An adapter whose every connection goes to ``target``'s checked addresses."""

    def __init__(self, target: ssrf.Target) -> None:
        self.target = target
        super().__init__(pool_connections=1, pool_maxsize=1, max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        pinned = {"pinned": self.target.addresses}
        http = type("_Pinned", (_PinnedHTTPConnection,), pinned)
        https = type("_PinnedTLS", (_PinnedHTTPSConnection,), pinned)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("_PinnedPool", (urllib3.HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("_PinnedTLSPool", (urllib3.HTTPSConnectionPool,), {"ConnectionCls": https}),
        }


MAX_SESSIONS = 64
DEFAULT_HEADERS = requests.utils.default_headers()
_local = threading.local()


def _new_session(target: ssrf.Target) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment may redirect webhooks elsewhere
    adapter = _PinnedAdapter(target)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@contextmanager
def _session_for(target: ssrf.Target) -> Iterator[requests.Session]:
    """A session per receiver (scheme, host, port), reused while it was used in the last
    ``WEBHOOK_KEEPALIVE_SECONDS`` (0: a fresh session per attempt, closed after it) and while the
    check answers the same addresses its connection was pinned to. Per thread."""
    keepalive = float(settings.WEBHOOK_KEEPALIVE_SECONDS)
    if keepalive <= 0:
        session = _new_session(target)
        try:
            yield session
        finally:
            session.close()
        return
    sessions: OrderedDict[tuple[str, str, int], tuple[requests.Session, ssrf.Target, float]] | None = getattr(
        _local, "sessions", None
    )
    if sessions is None:
        sessions = _local.sessions = OrderedDict()
    key = (target.scheme, target.host, target.port)
    now = time.monotonic()
    entry = sessions.pop(key, None)
    if entry is not None and (now - entry[2] > keepalive or entry[1] != target):
        # The receiver may have closed an idle connection by now; or its name answers other
        # addresses than the connection was made to, and an attempt goes only where it checked.
        entry[0].close()
        entry = None
    session = entry[0] if entry is not None else _new_session(target)
    try:
        yield session
    except BaseException:
        session.close()
        raise
    sessions[key] = (session, target, time.monotonic())
    while len(sessions) > MAX_SESSIONS:
        _, (old, _, _) = sessions.popitem(last=False)
        old.close()


def close_sessions() -> None:
    """Close this thread's keep-alive sessions (tests; a worker simply exits)."""
    sessions = getattr(_local, "sessions", None) or {}
    for session, _, _ in sessions.values():
        session.close()
    sessions.clear()


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """One POST: 15 s timeout, redirects never followed, a short excerpt of the answer kept."""
    started = time.monotonic()
    try:
        target = ssrf.resolve(url)  # checked once; the connection goes to these very addresses
    except ssrf.UnsafeURL as exc:
        return Outcome(status_code=None, duration_ms=0, error=f"Refused: {exc}")
    assert target is not None  # only registration may leave a name unresolved
    try:
        # Prepared without the session's merging (a profiled third of the client's time): the
        # same default headers as ``session.post`` sends, and never a cookie a receiver set.
        merged = requests.structures.CaseInsensitiveDict(DEFAULT_HEADERS)
        merged.update(headers)
        prepared = requests.Request("POST", url, data=body, headers=merged).prepare()
        with (
            _session_for(target) as session,
            session.send(
                prepared, timeout=settings.WEBHOOK_TIMEOUT_SECONDS, allow_redirects=False, stream=True
            ) as response,
        ):
            raw = response.raw.read(settings.WEBHOOK_RESPONSE_EXCERPT_BYTES, decode_content=True) or b""
            if response.raw.read(1):  # more than the excerpt: do not keep a half-read connection
                session.close()
            duration = int((time.monotonic() - started) * 1000)
            excerpt = raw.decode("utf-8", "replace")
            code = response.status_code
            error = ""
            if 300 <= code < 400:
                error = f"Redirect ({code}) not followed"
            elif not 200 <= code < 300:
                error = f"HTTP {code}"
            retry_after = (
                parse_retry_after(response.headers.get("Retry-After"), timezone.now()) if code in (429, 503) else None
            )
            return Outcome(code, duration, error, excerpt, retry_after)
    except ssrf.UnsafeURL as exc:
        return Outcome(status_code=None, duration_ms=0, error=f"Refused: {exc}")
    except requests.Timeout:
        error = f"Timed out after {settings.WEBHOOK_TIMEOUT_SECONDS} s"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    except Exception as exc:  # whatever broke, it is this attempt's failure, not the worker's
        logger.exception("webhook POST to %s failed unexpectedly", url)
        error = f"{type(exc).__name__}: {exc}"[:500]
    return Outcome(status_code=None, duration_ms=int((time.monotonic() - started) * 1000), error=error)


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
        return _body(self.event_type, self.event_created_at, self.event_data)


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


@dataclass(frozen=True)
class Result:
    """What happened to attempt ``number`` of a delivery; ``outcome`` ``None``: never sent (disabled)."""

    pk: int
    number: int
    token: str
    at: datetime
    outcome: Outcome | None


DISABLED = "Endpoint is disabled"


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
        headers = sign_headers(msg_id=str(job.event_id), body=body, secrets=job.secrets(now), at=now)
        outcome = post(job.url, body, headers)
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
                    _endpoint_succeeded([row.endpoint_id])
                    reset.discard(row.endpoint_id)
                answers[result.pk] = _failed(row, result.token, outcome, now)
        for status_code, pks in done.items():
            WebhookDelivery.objects.filter(pk__in=pks, status=OutboxStatus.PENDING).update(
                last_status_code=status_code, updated_at=now, **outbox.done_fields(now)
            )
        if reset:
            _endpoint_succeeded(sorted(reset))
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
        delivery.status = OutboxStatus.FAILED
        delivery.next_attempt_at = None
        delivery.locked_until = None
        delivery.lease_token = ""
        delivery.last_error = DISABLED
        delivery.completed_at = now
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
        delivery.status = OutboxStatus.FAILED
        delivery.last_error = outcome.error
        delivery.next_attempt_at = None
        delivery.locked_until = None
        delivery.lease_token = ""
        delivery.completed_at = now
        delivery.save()
        disable_endpoint(
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
    _endpoint_failed(delivery.endpoint_id, now)
    if delay is not None and 0 < delay <= settings.OUTBOX_MAX_COUNTDOWN_SECONDS and outbox.mode() != "inline":
        # A short wait rides a countdown (a broker's, or the background thread's timer); anything
        # longer waits for the sweep (see outbox.py).
        pk = delivery.pk
        WebhookDelivery.objects.filter(pk=pk).update(enqueued_at=now)
        transaction.on_commit(lambda: outbox.enqueue(deliveries=[pk], countdown=delay), robust=True)
    return "retry" if delay is not None else "failed"


def _endpoint_succeeded(endpoint_ids: list[int]) -> None:
    WebhookEndpoint.objects.filter(pk__in=endpoint_ids, failing_since__isnull=False).update(
        failing_since=None, consecutive_failures=0
    )


def _endpoint_failed(endpoint_id: int, now: datetime) -> None:
    # NO KEY: a request inserting deliveries for this endpoint (its foreign-key check takes KEY SHARE)
    # never waits on the worker, so the two can never wait on each other.
    endpoint = WebhookEndpoint.objects.select_for_update(no_key=True).filter(pk=endpoint_id).first()
    if endpoint is None:
        return
    endpoint.consecutive_failures += 1
    endpoint.failing_since = endpoint.failing_since or now
    endpoint.save(update_fields=["consecutive_failures", "failing_since"])
    limit = timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS)
    if endpoint.active and now - endpoint.failing_since >= limit:
        days = settings.WEBHOOK_DISABLE_AFTER_SECONDS / 86400
        disable_endpoint(
            endpoint_id=endpoint_id,
            reason=f"Every delivery failed for {days:g} days",
            now=now,
            notify=True,
        )


def disable_stale_endpoints(*, now: datetime | None = None) -> list[int]:
    """Disable endpoints failing for longer than allowed even when no new attempt comes to notice it."""
    now = now or timezone.now()
    limit = timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS)
    stale = list(
        WebhookEndpoint.objects.filter(active=True, failing_since__lte=now - limit).values_list("pk", flat=True)
    )
    days = settings.WEBHOOK_DISABLE_AFTER_SECONDS / 86400
    for endpoint_id in stale:
        disable_endpoint(
            endpoint_id=endpoint_id, reason=f"Every delivery failed for {days:g} days", now=now, notify=True
        )
    return stale


def disable_endpoint(*, endpoint_id: int, reason: str, now: datetime, notify: bool) -> None:
    """Switch an endpoint off (410 from the receiver, or failing for too long); staff hear of the latter."""
    from events import emails
    from events.services import record

    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update(no_key=True).get(pk=endpoint_id)
        if not endpoint.active:
            return
        endpoint.active = False
        endpoint.disabled_reason = reason
        endpoint.disabled_at = now
        endpoint.version += 1
        endpoint.save(update_fields=["active", "disabled_reason", "disabled_at", "version", "updated_at"])
        record(
            actor=None,
            entity_type="webhook_endpoint",
            entity_id=endpoint.pk,
            action="update",
            changes={"active": [True, False], "disabled_reason": ["", reason]},
        )
        if notify:
            emails.queue_endpoint_disabled(endpoint)
