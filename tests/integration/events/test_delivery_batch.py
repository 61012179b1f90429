"""Batches in a worker: claim with SKIP LOCKED, send over keep-alive sessions, finish together."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from events import delivery as delivery_service
from events import outbox, transport
from events.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from events.services import create_endpoint, record

URL = "http://hooks.example.com/hook"
OTHER = "http://other.example.com/hook"
THIRD = "http://third.example.com/hook"
T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_sessions() -> Iterator[None]:
    transport.close_sessions()
    yield
    transport.close_sessions()


@pytest.fixture
def quiet(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """No message is published (nor run eagerly) on commit: the test runs the worker's part itself."""
    published: list[tuple[Any, ...]] = []
    monkeypatch.setattr(outbox, "_publish", lambda task, args, countdown=None: published.append((task.name, args)))
    return published


def queue_events(n: int, event_type: str = "order.created") -> list[int]:
    """``n`` committed events; returns the ids of the deliveries they queued."""
    for index in range(n):
        with transaction.atomic():
            record(
                actor=None,
                entity_type="order",
                entity_id=index,
                action="create",
                event_type=event_type,
                data={"id": index},
            )
    return list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))


pytestmark = pytest.mark.django_db


def test_claims_never_overlap_and_take_the_named_deliveries_first(receiver, quiet):
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
def test_two_workers_batching_at_once_send_every_delivery_once(receiver, quiet):
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
def test_a_claim_does_not_wait_for_rows_locked_by_another_transaction(receiver, quiet):
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


def test_one_failing_receiver_in_a_batch_retries_only_its_delivery(receiver, quiet):
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


def test_a_success_then_a_failure_for_one_endpoint_leaves_a_failure_streak(receiver, quiet):
    endpoint = create_endpoint(actor=None, url=URL, events=["*"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=T0 - timedelta(days=1), consecutive_failures=4)
    receiver.post(URL, [{"status_code": 200}, {"status_code": 500}])
    with time_machine.travel(T0, tick=False):
        ids = queue_events(2)
        assert delivery_service.deliver_many(ids, batch=10) == {ids[0]: "succeeded", ids[1]: "retry"}
    endpoint.refresh_from_db()
    # In order: the success ended the old streak, the failure started a new one.
    assert (endpoint.failing_since, endpoint.consecutive_failures) == (T0, 1)


def test_gone_in_a_batch_stops_that_endpoint_and_spares_the_others(receiver, quiet):
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


def test_query_count_per_run_does_not_grow_with_the_batch(receiver, quiet):
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


def test_a_fan_out_is_one_message(receiver, quiet, settings, django_capture_on_commit_callbacks):
    for url in (URL, OTHER, THIRD):
        create_endpoint(actor=None, url=url, events=["*"])
    settings.WEBHOOK_BATCH_SIZE = 2
    with django_capture_on_commit_callbacks(execute=True):
        ids = queue_events(1)
    assert quiet == [("events.deliver_webhooks", (ids[:2],)), ("events.deliver_webhooks", (ids[2:],))]


def test_a_run_that_would_outlive_its_time_hands_the_rest_back(
    receiver, quiet, settings, django_capture_on_commit_callbacks
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


def test_a_long_run_extends_its_lease(receiver, quiet, settings):
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


@pytest.fixture
def local_receiver() -> Iterator[dict[str, Any]]:
    state: dict[str, Any] = {"connections": 0, "requests": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            state["connections"] += 1

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state["requests"] += 1
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/hook"
    state["port"] = server.server_address[1]
    yield state
    server.shutdown()
    server.server_close()


def test_attempts_to_one_receiver_share_a_connection(local_receiver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    for _ in range(3):
        outcome = transport.post(local_receiver["url"], b"{}", {"content-type": "application/json"})
        assert outcome.status_code == 200
    assert (local_receiver["requests"], local_receiver["connections"]) == (3, 1)


def test_an_attempt_sends_the_same_request_bytes_as_a_plain_requests_post(settings):
    """The prepared request skips the session's merging; what goes on the wire does not change."""
    import socket

    import requests

    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    server = socket.create_server(("127.0.0.1", 0))
    heads: list[bytes] = []

    def serve() -> None:
        for _ in range(2):
            client, _ = server.accept()
            with client:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += client.recv(65536)
                heads.append(data.split(b"\r\n\r\n")[0])
                client.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    body = b'{"type":"order.created"}'
    headers = {"webhook-id": "7", "content-type": "application/json", "user-agent": transport.USER_AGENT}
    plain = requests.Session()
    plain.trust_env = False
    plain.post(url, data=body, headers=headers, allow_redirects=False, timeout=5).close()
    assert transport.post(url, body, headers).status_code == 200
    thread.join(timeout=10)
    server.close()
    assert len(heads) == 2
    assert heads[0] == heads[1]
    assert heads[0].count(b"user-agent: expedientes-webhooks/1\r\n") == 1
