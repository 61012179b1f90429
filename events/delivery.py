"""Sending one webhook attempt: claim, sign, POST, record, then finish or schedule the next try."""

from __future__ import annotations

import email.utils
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from events import outbox
from events.models import OutboxStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from events.ssrf import UnsafeURL, check_url

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
    return orjson.dumps(
        {"type": event.type, "timestamp": event.created_at.isoformat().replace("+00:00", "Z"), "data": event.data}
    )


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


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """One POST: 15 s timeout, redirects never followed, a short excerpt of the answer kept."""
    started = time.monotonic()
    try:
        check_url(url)
    except UnsafeURL as exc:
        return Outcome(status_code=None, duration_ms=0, error=f"Refused: {exc}")
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment may redirect webhooks elsewhere
    try:
        with session.post(
            url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,
        ) as response:
            raw = response.raw.read(settings.WEBHOOK_RESPONSE_EXCERPT_BYTES, decode_content=True) or b""
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
    except requests.Timeout:
        error = f"Timed out after {settings.WEBHOOK_TIMEOUT_SECONDS} s"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    except Exception as exc:  # whatever broke, it is this attempt's failure, not the worker's
        logger.exception("webhook POST to %s failed unexpectedly", url)
        error = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        session.close()
    return Outcome(status_code=None, duration_ms=int((time.monotonic() - started) * 1000), error=error)


def deliver(*, delivery_id: int) -> str:
    """Make the next attempt of a delivery if it is due and free; returns what happened.

    Safe to run any number of times for the same delivery: the lease lets one worker at a time
    attempt it, and each attempt number is recorded at most once.
    """
    claimed = outbox.claim(WebhookDelivery, delivery_id)
    if claimed is None:
        return "skipped"
    ticket = claimed[1]
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").filter(pk=ticket.pk).first()
    if delivery is None:  # the endpoint (and with it the delivery) was deleted meanwhile
        return "skipped"
    endpoint = delivery.endpoint
    if ticket.lost_attempt:
        _record_lost(delivery, ticket.lost_attempt)
    if not endpoint.active:
        _give_up(delivery, ticket.token, "Endpoint is disabled")
        return "failed"
    now = timezone.now()
    body = payload(delivery)
    headers = sign_headers(msg_id=str(delivery.event_id), body=body, secrets=endpoint.secrets(now), at=now)
    outcome = post(endpoint.url, body, headers)
    return finish(delivery_id=delivery.pk, number=ticket.number, token=ticket.token, at=now, outcome=outcome)


def _record_lost(delivery: WebhookDelivery, number: int) -> None:
    WebhookAttempt.objects.get_or_create(
        delivery=delivery, number=number, defaults={"error": "No result: the worker was lost during the attempt"}
    )


def _give_up(delivery: WebhookDelivery, token: str, reason: str) -> None:
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update(of=("self",)).filter(pk=delivery.pk).first()
        if row is None or row.status != OutboxStatus.PENDING or row.lease_token != token:
            return
        row.status = OutboxStatus.FAILED
        row.next_attempt_at = None
        row.locked_until = None
        row.lease_token = ""
        row.last_error = reason
        row.completed_at = timezone.now()
        # The claim counted an attempt that was never made.
        row.attempt_count = max(row.attempt_count - 1, 0)
        row.save()


def finish(*, delivery_id: int, number: int, token: str, at: datetime, outcome: Outcome) -> str:
    """Record attempt ``number`` and move the delivery on: done, gone, retry later or failed."""
    now = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update(of=("self",)).filter(pk=delivery_id).first()
        if delivery is None:  # the endpoint was deleted during the attempt; nothing left to record
            return "skipped"
        WebhookAttempt.objects.get_or_create(
            delivery=delivery,
            number=number,
            defaults={
                "at": at,
                "status_code": outcome.status_code,
                "duration_ms": outcome.duration_ms,
                "error": outcome.error,
                "response_excerpt": outcome.excerpt,
            },
        )
        if delivery.status != OutboxStatus.PENDING:
            return "recorded"
        delivery.last_status_code = outcome.status_code
        if outcome.succeeded:
            outbox.mark_done(delivery, now=now)
            delivery.save()
            _endpoint_succeeded(delivery.endpoint_id)
            return "succeeded"
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
        if delay is not None and 0 < delay <= settings.OUTBOX_MAX_COUNTDOWN_SECONDS and not outbox.eager():
            # A short wait rides a countdown; anything longer waits for the sweep (see outbox.py).
            pk = delivery.pk
            WebhookDelivery.objects.filter(pk=pk).update(enqueued_at=now)
            transaction.on_commit(lambda: outbox.enqueue(deliveries=[pk], countdown=delay), robust=True)
        return "retry" if delay is not None else "failed"


def _endpoint_succeeded(endpoint_id: int) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint_id, failing_since__isnull=False).update(
        failing_since=None, consecutive_failures=0
    )


def _endpoint_failed(endpoint_id: int, now: datetime) -> None:
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
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
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
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
