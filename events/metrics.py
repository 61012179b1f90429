"""The outbox seen from Prometheus: backlog and lag read at scrape time, attempt outcomes per endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import DatabaseError, connection
from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

from events.models import EmailMessage, OutboxStatus, WebhookDelivery

WEBHOOK_ATTEMPTS = Counter(
    "expedientes_webhook_attempts_total",
    "Webhook delivery attempts by endpoint id and outcome (success, http_error, gone, network_error)",
    ["endpoint", "outcome"],
)
EMAILS_SENT = Counter("expedientes_emails_total", "Email send attempts by outcome (sent, failed)", ["outcome"])

# Each figure is read through the partial indexes on pending rows (events_delivery_due,
# events_delivery_status, events_email_due): a count of the pending entries and the first one.
OUTBOX_SQL = """
SELECT
    (SELECT count(*) FROM {delivery} WHERE status = %(pending)s),
    (SELECT min(next_attempt_at) FROM {delivery} WHERE status = %(pending)s),
    (SELECT count(*) FROM {delivery} WHERE status = %(failed)s),
    (SELECT count(*) FROM {email} WHERE status = %(pending)s),
    (SELECT min(next_attempt_at) FROM {email} WHERE status = %(pending)s)
"""


def attempt_outcome(status_code: int | None) -> str:
    if status_code is None:
        return "network_error"
    if 200 <= status_code < 300:
        return "success"
    return "gone" if status_code == 410 else "http_error"


def observe_attempt(endpoint_id: int, status_code: int | None) -> None:
    WEBHOOK_ATTEMPTS.labels(str(endpoint_id), attempt_outcome(status_code)).inc()


class OutboxCollector:
    """Gauges computed when scraped: pending deliveries and emails, and how overdue the most overdue is."""

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        sql = OUTBOX_SQL.format(delivery=WebhookDelivery._meta.db_table, email=EmailMessage._meta.db_table)
        params = {"pending": OutboxStatus.PENDING.value, "failed": OutboxStatus.FAILED.value}
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                deliveries, delivery_due, failed, emails, email_due = cursor.fetchone()
        except DatabaseError:  # the database is down: the other figures still answer
            return
        now = timezone.now()
        backlog = GaugeMetricFamily(
            "expedientes_outbox_pending", "Outbox rows not yet sent or given up, by kind", labels=["kind"]
        )
        backlog.add_metric(["webhook_delivery"], deliveries)
        backlog.add_metric(["email"], emails)
        yield backlog
        lag = GaugeMetricFamily(
            "expedientes_outbox_oldest_due_seconds",
            "How long the pending row due earliest has been due (0: nothing is overdue), by kind",
            labels=["kind"],
        )
        for kind, due in (("webhook_delivery", delivery_due), ("email", email_due)):
            lag.add_metric([kind], max(0.0, (now - due).total_seconds()) if due is not None else 0.0)
        yield lag
        yield GaugeMetricFamily(
            "expedientes_webhook_deliveries_failed", "Webhook deliveries that gave up (failed)", value=failed
        )
