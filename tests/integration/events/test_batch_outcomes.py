"""Batches in a worker, finishing: one receiver's failure or 410 touches only its own deliveries, a
fan-out is one message, the queries of a run do not grow with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import delivery as delivery_service
from events.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from events.services import create_endpoint

URL = "http://hooks.example.com/hook"
OTHER = "http://other.example.com/hook"
THIRD = "http://third.example.com/hook"
T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_sessions")]


def test_one_failing_receiver_in_a_batch_retries_only_its_delivery(receiver, quiet, queue_events):
    for url in (URL, OTHER, THIRD):
        create_endpoint(actor=None, url=url, events=["*"])
    receiver.post(URL, status_code=200)
    receiver.post(OTHER, status_code=500, text="down")
    receiver.post(THIRD, status_code=201)
    with time_machine.travel(T0, tick=False):
        ids = queue_events(1)
        answers = delivery_service.deliver_many(ids, batch=10)
    by_url = {row.endpoint.url: row for row in WebhookDelivery.objects.select_related("endpoint")}
    assert answers == {by_url[URL].pk: "succeeded", by_url[OTHER].pk: "retry", by_url[THIRD].pk: "succeeded"}
    assert (by_url[URL].status, by_url[THIRD].status, by_url[THIRD].last_status_code) == ("succeeded", "succeeded", 201)
    failed = by_url[OTHER]
    assert (failed.status, failed.attempt_count, failed.last_status_code) == ("pending", 1, 500)
    assert failed.last_error == "HTTP 500"
    assert timedelta(seconds=4.5) <= failed.next_attempt_at - T0 <= timedelta(seconds=5.5)
    assert (failed.locked_until, failed.lease_token) == (None, "")
    streaks = dict(WebhookEndpoint.objects.values_list("url", "consecutive_failures"))
    assert streaks == {URL: 0, OTHER: 1, THIRD: 0}
    assert sorted(WebhookAttempt.objects.values_list("status_code", flat=True)) == [200, 201, 500]


def test_a_success_then_a_failure_for_one_endpoint_leaves_a_failure_streak(receiver, quiet, queue_events):
    endpoint = create_endpoint(actor=None, url=URL, events=["*"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=T0 - timedelta(days=1), consecutive_failures=4)
    receiver.post(URL, [{"status_code": 200}, {"status_code": 500}])
    with time_machine.travel(T0, tick=False):
        ids = queue_events(2)
        assert delivery_service.deliver_many(ids, batch=10) == {ids[0]: "succeeded", ids[1]: "retry"}
    endpoint.refresh_from_db()
    # In order: the success ended the old streak, the failure started a new one.
    assert (endpoint.failing_since, endpoint.consecutive_failures) == (T0, 1)


def test_gone_in_a_batch_stops_that_endpoint_and_spares_the_others(receiver, quiet, queue_events):
    gone = create_endpoint(actor=None, url=URL, events=["*"])
    create_endpoint(actor=None, url=OTHER, events=["*"])
    receiver.post(URL, status_code=410)
    receiver.post(OTHER, status_code=200)
    ids = queue_events(2)
    answers = delivery_service.deliver_many([], batch=10)
    rows = {row.pk: row for row in WebhookDelivery.objects.all()}
    to_gone = sorted(pk for pk in ids if rows[pk].endpoint_id == gone.pk)
    assert [answers[pk] for pk in to_gone] == ["gone", "failed"]
    assert rows[to_gone[1]].last_error == "Endpoint is disabled"
    assert rows[to_gone[1]].attempt_count == 0  # never attempted
    assert [r.url for r in receiver.request_history].count(URL) == 1
    assert sorted(answers[pk] for pk in ids if pk not in to_gone) == ["succeeded", "succeeded"]
    gone.refresh_from_db()
    assert gone.active is False


def test_query_count_per_run_does_not_grow_with_the_batch(receiver, quiet, queue_events):
    create_endpoint(actor=None, url=URL, events=["*"])
    receiver.post(URL, status_code=200)
    queue_events(1)
    with CaptureQueriesContext(connection) as one:
        assert list(delivery_service.deliver_many([], batch=50).values()) == ["succeeded"]
    queue_events(20)
    with CaptureQueriesContext(connection) as twenty:
        answers = delivery_service.deliver_many([], batch=50)
    assert list(answers.values()) == ["succeeded"] * 20
    # One statement claims and loads the batch, one records and finishes it.
    assert len(one.captured_queries) == len(twenty.captured_queries) == 2
    done = WebhookDelivery.objects.first()
    with CaptureQueriesContext(connection) as nothing:  # a message for a delivery a batch already sent
        assert delivery_service.deliver_many([done.pk], batch=50) == {}
    assert len(nothing.captured_queries) == 1
    assert WebhookAttempt.objects.count() == 21


def test_a_fan_out_is_one_message(receiver, quiet, settings, django_capture_on_commit_callbacks, queue_events):
    for url in (URL, OTHER, THIRD):
        create_endpoint(actor=None, url=url, events=["*"])
    settings.WEBHOOK_BATCH_SIZE = 2
    with django_capture_on_commit_callbacks(execute=True):
        ids = queue_events(1)
    assert quiet == [("events.deliver_webhooks", (ids[:2],)), ("events.deliver_webhooks", (ids[2:],))]
