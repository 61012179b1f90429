"""Webhooks through a real Celery worker on Redis to a real HTTP receiver (docs/api-guide.md#events-webhooks-audit-email)."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from events.models import WebhookDelivery
from events.services import create_endpoint, record
from tests.support.e2e import DEAD_BROKER_URL, broker, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def publish(event_type: str, n: int) -> int:
    """One committed domain change, as a service would make it; returns the event id."""
    with transaction.atomic():
        result = record(
            actor=None,
            entity_type=event_type.split(".")[0],
            entity_id=n,
            action="create",
            changes={"n": [None, n]},
            event_type=event_type,
            data={"id": n, "n": n},
        )
    return result.event.pk


def all_deliveries_done(expected: int) -> bool:
    done = WebhookDelivery.objects.filter(status="succeeded").count()
    return done == expected


def test_200_events_reach_every_matching_receiver_once(receiver, make_worker):
    everything = create_endpoint(actor=None, url=f"{receiver.base_url}/all", events=["*"])
    orders = create_endpoint(actor=None, url=f"{receiver.base_url}/orders", events=["order.*"])
    flaky = create_endpoint(actor=None, url=f"{receiver.base_url}/flaky", events=["expediente.*"])
    receiver.fail_first["/flaky"] = 2
    worker = make_worker()

    types = ["order.created", "expediente.created", "order.confirmed", "expediente.status_changed"]
    ids_by_type: dict[str, list[int]] = {t: [] for t in types}
    for n in range(200):
        event_type = types[n % len(types)]
        ids_by_type[event_type].append(publish(event_type, n))

    expected = {
        "/all": {i for ids in ids_by_type.values() for i in ids},
        "/orders": set(ids_by_type["order.created"] + ids_by_type["order.confirmed"]),
        "/flaky": set(ids_by_type["expediente.created"] + ids_by_type["expediente.status_changed"]),
    }
    total = sum(len(ids) for ids in expected.values())
    assert WebhookDelivery.objects.count() == total == 400
    wait_for(lambda: all_deliveries_done(total), 120, f"all {total} deliveries succeed\n{worker.log()}")

    secrets = {"/all": everything.secret, "/orders": orders.secret, "/flaky": flaky.secret}
    for path, ids in expected.items():
        received = receiver.succeeded(path)
        by_id = Counter(int(r.headers["webhook-id"]) for r in received)
        assert set(by_id) == ids, path
        # No worker was killed here, so no delivery may arrive twice.
        assert max(by_id.values()) == 1, path
        for request in received:
            body = Webhook(secrets[path]).verify(request.body, request.headers)
            assert body["data"]["id"] == body["data"]["n"]
    flaky_attempts = Counter(int(r.headers["webhook-id"]) for r in receiver.requests if r.path == "/flaky")
    assert set(flaky_attempts.values()) == {3}
    assert not WebhookDelivery.objects.exclude(status="succeeded").exists()


def test_broker_down_at_commit_is_delivered_by_the_sweep(receiver, make_worker):
    create_endpoint(actor=None, url=f"{receiver.base_url}/hook", events=["order.*"])
    started = time.monotonic()
    with broker(DEAD_BROKER_URL):
        ids = [publish("order.created", n) for n in range(10)]
    # The commits went through although nothing could be enqueued, and not slowly.
    assert time.monotonic() - started < 30
    assert WebhookDelivery.objects.filter(status="pending", attempt_count=0, enqueued_at__isnull=True).count() == 10

    worker = make_worker()  # the broker is back; only the beat sweep knows about these rows
    wait_for(lambda: all_deliveries_done(10), 60, f"the sweep delivers everything\n{worker.log()}")
    assert Counter(int(r.headers["webhook-id"]) for r in receiver.succeeded("/hook")) == Counter(ids)


def test_killed_worker_delivery_completes_after_restart(receiver, make_worker):
    import threading

    endpoint = create_endpoint(actor=None, url=f"{receiver.base_url}/slow", events=["*"])
    receiver.hold["/slow"] = threading.Event()
    worker = make_worker()
    event_id = publish("order.created", 1)
    wait_for(receiver.arrived.is_set, 60, f"the worker is in the middle of the POST\n{worker.log()}")

    worker.kill()
    receiver.hold.pop("/slow").set()  # the killed attempt's socket is gone; later ones answer at once
    delivery = WebhookDelivery.objects.get(event_id=event_id, endpoint=endpoint)
    assert (delivery.status, delivery.attempt_count) == ("pending", 1)

    restarted = make_worker()
    wait_for(lambda: all_deliveries_done(1), 60, f"the restarted worker completes it\n{restarted.log()}")
    delivery.refresh_from_db()
    attempts = list(delivery.attempt_log.values_list("number", "status_code"))
    assert attempts == [(1, None), (2, 200)]
    ids = [int(r.headers["webhook-id"]) for r in receiver.requests]
    # At most the one duplicate the killed worker could cause: its POST and the retry.
    assert set(ids) == {event_id}
    assert len(ids) <= 2
