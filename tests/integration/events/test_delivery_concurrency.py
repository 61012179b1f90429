"""Deliveries racing other work: two workers on one delivery (one POST, one attempt row), an endpoint
deleted during an attempt."""

import threading

import pytest
from django.db import connection, transaction

from events import delivery as delivery_service
from events.models import WebhookAttempt, WebhookDelivery
from events.services import create_endpoint, record

URL = "http://hooks.example.com/hook"


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_of_one_delivery_post_once(receiver, monkeypatch):
    from events import outbox

    create_endpoint(actor=None, url=URL, events=["*"])
    # Keep the commit hook from sending, so both threads race for a fresh delivery.
    monkeypatch.setattr(outbox, "_publish", lambda *args, **kwargs: None)
    with transaction.atomic():
        record(actor=None, entity_type="order", entity_id=1, action="create", event_type="order.created", data={})
    delivery = WebhookDelivery.objects.get()

    inside = threading.Event()
    release = threading.Event()

    def slow_answer(request, context):
        inside.set()
        release.wait(timeout=10)
        context.status_code = 200
        return "ok"

    receiver.post(URL, text=slow_answer)
    results: list[str] = []
    start = threading.Barrier(2)

    def run(wait_for_first: bool) -> None:
        try:
            start.wait(timeout=10)
            if wait_for_first:
                inside.wait(timeout=10)  # the other worker is mid-POST, holding the lease
            results.append(delivery_service.deliver(delivery_id=delivery.pk))
            if wait_for_first:
                release.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(flag,)) for flag in (False, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == ["skipped", "succeeded"]
    assert receiver.call_count == 1
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 1


@pytest.mark.django_db
def test_an_endpoint_deleted_during_an_attempt_ends_the_task_quietly(
    clerk_client, make_endpoint, receiver, django_capture_on_commit_callbacks
):
    from events import delivery as delivery_service
    from events import delivery_state, outbox, transport
    from events.services import record

    endpoint = make_endpoint()
    with django_capture_on_commit_callbacks(execute=False):
        event = record(
            actor=None, entity_type="order", entity_id=1, action="create", event_type="order.created", data={}
        ).event
    delivery = WebhookDelivery.objects.get(event=event)
    row, ticket = outbox.claim(WebhookDelivery, delivery.pk)
    assert clerk_client.delete(f"/api/v1/webhooks/endpoints/{endpoint.pk}").status_code == 204
    outcome = transport.Outcome(200, 5, "")
    result = delivery_state.finish(
        delivery_id=delivery.pk, number=ticket.number, token=ticket.token, at=row.locked_until, outcome=outcome
    )
    assert result == "skipped"
    assert delivery_service.deliver(delivery_id=delivery.pk) == "skipped"
    assert receiver.call_count == 0
