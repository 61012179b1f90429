"""The delivery's states: the retry schedule, Retry-After, an exhausted schedule, leases (a second run,
a lost worker) and emails on the same rules."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from events import delivery as delivery_service
from events import delivery_state, outbox, transport
from events.models import WebhookAttempt, WebhookDelivery

pytestmark = pytest.mark.django_db

URL = "http://hooks.example.com/hook"
T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


def sweep():
    call_command("process_outbox", verbosity=0)


def test_500_500_200_makes_three_attempts_on_the_schedule(make_endpoint, publish, receiver):
    receiver.post(URL, [{"status_code": 500, "text": "boom"}, {"status_code": 500}, {"status_code": 200}])
    make_endpoint(events=["order.*"])
    with time_machine.travel(T0, tick=False) as clock:
        event = publish("order.confirmed")
        delivery = WebhookDelivery.objects.get(event=event)
        assert (delivery.status, delivery.attempt_count) == ("pending", 1)
        # Second attempt after 5 s (+-10 % jitter): not before 4.5 s, due by 5.5 s.
        assert timedelta(seconds=4.5) <= delivery.next_attempt_at - T0 <= timedelta(seconds=5.5)
        clock.shift(4.4)
        sweep()
        assert receiver.call_count == 1
        clock.shift(1.2)
        sweep()
        assert receiver.call_count == 2
        delivery.refresh_from_db()
        second = T0 + timedelta(seconds=5.6)
        assert timedelta(seconds=270) <= delivery.next_attempt_at - second <= timedelta(seconds=330)
        clock.shift(269)
        sweep()
        assert receiver.call_count == 2
        clock.shift(62)
        sweep()
        assert receiver.call_count == 3

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == ("succeeded", 3, None)
    attempts = list(delivery.attempt_log.all())
    assert [(a.number, a.status_code) for a in attempts] == [(1, 500), (2, 500), (3, 200)]
    assert [a.at for a in attempts] == [T0, second, second + timedelta(seconds=331)]
    assert attempts[0].error == "HTTP 500"
    assert attempts[0].response_excerpt == "boom"
    assert all(a.duration_ms is not None for a in attempts)
    # Every attempt carried the same webhook-id and its own signature.
    assert len({r.headers["webhook-id"] for r in receiver.request_history}) == 1
    assert len({r.headers["webhook-timestamp"] for r in receiver.request_history}) == 3


def test_exhausted_schedule_fails_the_delivery(make_endpoint, publish, receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 2, 4]
    receiver.post(URL, status_code=502)
    make_endpoint()
    with time_machine.travel(T0, tick=False) as clock:
        event = publish("order.created")
        for _ in range(3):
            clock.shift(10)
            sweep()
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == ("failed", 3, None)
    assert delivery.last_status_code == 502
    assert receiver.call_count == 3


@pytest.mark.parametrize("status_code", [429, 503])
def test_retry_after_is_honoured(make_endpoint, publish, receiver, status_code):
    receiver.post(URL, [{"status_code": status_code, "headers": {"Retry-After": "120"}}, {"status_code": 200}])
    make_endpoint()
    with time_machine.travel(T0, tick=False) as clock:
        event = publish("order.created")
        delivery = WebhookDelivery.objects.get(event=event)
        assert delivery.next_attempt_at == T0 + timedelta(seconds=120)
        clock.shift(100)
        sweep()
        assert receiver.call_count == 1
        clock.shift(21)
        sweep()
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"


def test_a_second_run_of_the_task_does_not_post_twice(make_endpoint, receiver, django_capture_on_commit_callbacks):
    """Duplicate messages (a re-sent broker message, a sweep) find the delivery leased or done."""
    from events.services import record

    receiver.post(URL, status_code=200)
    make_endpoint()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = record(
            actor=None, entity_type="order", entity_id=1, action="create", event_type="order.created", data={}
        ).event
    delivery = WebhookDelivery.objects.get(event=event)
    claimed = outbox.claim(WebhookDelivery, delivery.pk)
    assert claimed is not None
    assert delivery_service.deliver(delivery_id=delivery.pk) == "skipped"  # leased by the first worker
    for callback in callbacks:
        callback()
    assert receiver.call_count == 0
    assert (
        delivery_state.finish(
            delivery_id=delivery.pk,
            number=claimed[1].number,
            token=claimed[1].token,
            at=claimed[0].locked_until,
            outcome=transport.Outcome(200, 5, ""),
        )
        == "succeeded"
    )
    assert delivery_service.deliver(delivery_id=delivery.pk) == "skipped"  # done
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 1


def test_a_lost_worker_is_replaced_after_its_lease(make_endpoint, receiver, django_capture_on_commit_callbacks):
    from events.services import record

    receiver.post(URL, status_code=200)
    make_endpoint()
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=False):
            event = record(
                actor=None, entity_type="order", entity_id=1, action="create", event_type="order.created", data={}
            ).event
        delivery = WebhookDelivery.objects.get(event=event)
        assert outbox.claim(WebhookDelivery, delivery.pk) is not None  # a worker takes it and dies (kill -9)
        sweep()
        assert receiver.call_count == 0
        clock.shift(61)
        sweep()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)
    assert [(a.number, a.status_code, "lost" in a.error) for a in delivery.attempt_log.all()] == [
        (1, None, True),
        (2, 200, False),
    ]
    assert receiver.call_count == 1


def test_email_failures_are_retried_like_webhooks(citizen, publish, settings, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    from events.models import EmailMessage

    original = EmailBackend.send_messages
    calls = {"n": 0}

    def flaky(self, messages):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionRefusedError("smtp down")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    with time_machine.travel(T0, tick=False) as clock:
        publish("order.confirmed", user=citizen.pk)
        message = EmailMessage.objects.get()
        assert (message.status, message.attempt_count) == ("pending", 1)
        assert "smtp down" in message.last_error
        clock.shift(6)
        sweep()
    message.refresh_from_db()
    assert (message.status, message.attempt_count) == ("succeeded", 2)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<email-{message.pk}@expedientes.local>"
