"""Batches in a worker, claiming: SKIP LOCKED claims never overlap nor wait, named deliveries first; a
run hands back or extends what it cannot finish in time."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from events import delivery as delivery_service
from events.models import WebhookAttempt, WebhookDelivery
from events.services import create_endpoint

URL = "http://hooks.example.com/hook"
OTHER = "http://other.example.com/hook"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_sessions")]


def test_claims_never_overlap_and_take_the_named_deliveries_first(receiver, quiet, queue_events):
    create_endpoint(actor=None, url=URL, events=["*"])
    ids = queue_events(6)
    first = outbox_claim([ids[5]], more=2)
    assert [job.pk for job in first] == [ids[5], ids[0], ids[1]]
    second = outbox_claim([ids[5], ids[2]], more=10)  # ids[5] is leased now: only the free ones
    assert [job.pk for job in second] == [ids[2], ids[3], ids[4]]
    assert outbox_claim([], more=10) == []
    rows = WebhookDelivery.objects.in_bulk(ids)
    assert {row.attempt_count for row in rows.values()} == {1}
    assert len({row.lease_token for row in rows.values()}) == 6


def outbox_claim(mine: list[int], more: int) -> list[delivery_service.Job]:
    return delivery_service.claim(mine, more=more)


@pytest.mark.django_db(transaction=True)
def test_two_workers_batching_at_once_send_every_delivery_once(receiver, quiet, queue_events):
    create_endpoint(actor=None, url=URL, events=["*"])
    create_endpoint(actor=None, url=OTHER, events=["order.*"])
    ids = queue_events(15)
    assert len(ids) == 30
    receiver.post(URL, status_code=200)
    receiver.post(OTHER, status_code=204)
    start = threading.Barrier(2)
    answers: list[dict[int, str]] = []

    def worker(first: int) -> None:
        try:
            start.wait(timeout=10)
            mine = [first]
            while True:
                done = delivery_service.deliver_many(mine, batch=4)
                if not done:
                    break
                answers.append(done)
                mine = []
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(pk,)) for pk in (ids[0], ids[-1])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    sent = Counter((request.url, request.headers["webhook-id"]) for request in receiver.request_history)
    assert len(sent) == 30
    assert set(sent.values()) == {1}
    finished = [pk for run in answers for pk in run]
    assert sorted(finished) == sorted(ids)
    assert set(WebhookDelivery.objects.values_list("status", "attempt_count")) == {("succeeded", 1)}
    assert sorted(WebhookDelivery.objects.values_list("last_status_code", flat=True)) == [200] * 15 + [204] * 15
    assert WebhookAttempt.objects.count() == 30


@pytest.mark.django_db(transaction=True)
def test_a_claim_does_not_wait_for_rows_locked_by_another_transaction(receiver, quiet, queue_events):
    create_endpoint(actor=None, url=URL, events=["*"])
    ids = queue_events(3)
    holding = threading.Event()
    release = threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                list(WebhookDelivery.objects.select_for_update().filter(pk=ids[0]))
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert holding.wait(timeout=10)
        # Were the lock waited for, the claim would return only after the other transaction ended,
        # and with ids[0] in it.
        jobs = outbox_claim([ids[0]], more=10)
        assert [job.pk for job in jobs] == ids[1:]
    finally:
        release.set()
        thread.join(timeout=30)


def test_a_run_that_would_outlive_its_time_hands_the_rest_back(
    receiver, quiet, settings, django_capture_on_commit_callbacks, queue_events
):
    create_endpoint(actor=None, url=URL, events=["*"])
    receiver.post(URL, status_code=200)
    ids = queue_events(3)
    settings.CELERY_TASK_SOFT_TIME_LIMIT = settings.WEBHOOK_TIMEOUT_SECONDS + 5  # no time beyond one attempt
    with django_capture_on_commit_callbacks(execute=True):
        answers = delivery_service.deliver_many(ids, batch=10)
    assert answers == {ids[0]: "succeeded"}
    rest = WebhookDelivery.objects.filter(pk__in=ids[1:])
    assert set(rest.values_list("status", "attempt_count", "lease_token", "locked_until")) == {("pending", 0, "", None)}
    assert all(row.enqueued_at is not None for row in rest)
    assert quiet == [("events.deliver_webhooks", (ids[1:],))]
    assert receiver.call_count == 1


def test_a_long_run_extends_its_lease(receiver, quiet, settings, queue_events):
    settings.OUTBOX_LEASE_SECONDS = 5
    settings.WEBHOOK_TIMEOUT_SECONDS = 4  # every next attempt might outlive the lease: renewed each time
    create_endpoint(actor=None, url=URL, events=["*"])
    receiver.post(URL, status_code=200)
    ids = queue_events(3)
    with CaptureQueriesContext(connection) as queries:
        assert list(delivery_service.deliver_many(ids, batch=10).values()) == ["succeeded"] * 3
    renewals = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().startswith("UPDATE") and "RETURNING id" in q["sql"]
    ]
    assert len(renewals) == 2
    assert receiver.call_count == 3


# --- keep-alive (the SSRF pinning: test_ssrf_pinning.py) ---------------------------------------------
