"""The outbox in /metrics: backlog and lag read at scrape time, attempt outcomes per endpoint."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.metrics import OUTBOX_SQL
from events.models import EmailMessage, OutboxStatus, WebhookDelivery
from tests.support.metrics import sample, scrape

pytestmark = pytest.mark.django_db

URL = "http://hooks.example.com/hook"
OTHER = "http://other.example.com/hook"


def test_attempt_outcomes_are_counted_per_endpoint(metrics_token, make_endpoint, publish, receiver):
    receiver.post(URL, status_code=200)
    receiver.post(OTHER, status_code=503)
    good = make_endpoint(url=URL, events=["order.*"])
    bad = make_endpoint(url=OTHER, events=["order.*"])
    before = scrape("expedientes_webhook_attempts_total")

    publish("order.confirmed")

    after = scrape("expedientes_webhook_attempts_total")
    for endpoint, outcome in ((good, "success"), (bad, "http_error")):
        labels = {"endpoint": str(endpoint.pk), "outcome": outcome}
        assert sample(after, "expedientes_webhook_attempts_total", **labels) == (
            sample(before, "expedientes_webhook_attempts_total", **labels) + 1
        )
    # The registry lives as long as the worker process, and primary keys come round again (a test of the
    # seed restarts the sequences): what this publish added is the difference, as above.
    untouched = {"endpoint": str(good.pk), "outcome": "http_error"}
    assert sample(after, "expedientes_webhook_attempts_total", **untouched) == (
        sample(before, "expedientes_webhook_attempts_total", **untouched)
    )


def test_backlog_and_lag_are_read_when_scraped(metrics_token, make_endpoint, publish, receiver):
    receiver.post(URL, status_code=500)
    make_endpoint(url=URL, events=["order.*"])
    publish("order.created")
    publish("order.confirmed")  # both attempted once, both pending a retry
    overdue = timezone.now() - timedelta(seconds=120)
    WebhookDelivery.objects.filter(pk=WebhookDelivery.objects.order_by("pk").first().pk).update(next_attempt_at=overdue)
    EmailMessage.objects.filter(status=OutboxStatus.PENDING).update(next_attempt_at=overdue - timedelta(seconds=60))

    samples = scrape("expedientes_outbox")

    pending = WebhookDelivery.objects.filter(status=OutboxStatus.PENDING).count()
    assert pending == 2
    assert sample(samples, "expedientes_outbox_pending", kind="webhook_delivery") == pending
    assert sample(samples, "expedientes_outbox_pending", kind="email") == (
        EmailMessage.objects.filter(status=OutboxStatus.PENDING).count()
    )
    assert 119 <= sample(samples, "expedientes_outbox_oldest_due_seconds", kind="webhook_delivery") < 3600

    WebhookDelivery.objects.update(status=OutboxStatus.FAILED)
    samples = scrape("expedientes_outbox", "expedientes_webhook_deliveries_failed")
    assert sample(samples, "expedientes_outbox_pending", kind="webhook_delivery") == 0
    assert sample(samples, "expedientes_outbox_oldest_due_seconds", kind="webhook_delivery") == 0
    assert sample(samples, "expedientes_webhook_deliveries_failed") == 2


def test_the_scrape_reads_the_outbox_in_one_statement(metrics_token):
    with CaptureQueriesContext(connection) as queries:
        scrape("expedientes_outbox")
    assert [query["sql"].split()[0] for query in queries.captured_queries] == ["SELECT"]


def test_the_outbox_figures_use_the_partial_indexes(db):
    from events.models import EmailMessage as Email

    sql = OUTBOX_SQL.format(delivery=WebhookDelivery._meta.db_table, email=Email._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, {"pending": "pending", "failed": "failed"})
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE indpred IS NOT NULL")
        partial = {row[0] for row in cursor.fetchall()}
    assert "Seq Scan" not in plan
    # Only partial indexes, over the few rows still due or settled: never one over all the rows. On
    # empty tables the planner may take any of them (the failed count fits two), so none is named.
    used = set(re.findall(r"Scan using (\w+)", plan))
    assert used, plan
    assert used <= partial, (used - partial, plan)
