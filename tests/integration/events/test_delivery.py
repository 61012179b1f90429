"""The delivery task: signing, retry schedule, Retry-After, 410, redirects, leases, auto-disable."""

from datetime import UTC, datetime, timedelta

import orjson
import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from standardwebhooks import Webhook

from events import delivery as delivery_service
from events import delivery_state, outbox, transport
from events.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from events.services import rotate_secret

pytestmark = pytest.mark.django_db

URL = "http://hooks.example.com/hook"
T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


def sweep():
    call_command("process_outbox", verbosity=0)


def test_delivery_is_signed_per_standard_webhooks(make_endpoint, publish, receiver):
    receiver.post(URL, status_code=200)
    endpoint = make_endpoint(events=["order.*"])
    event = publish("order.confirmed")

    request = receiver.last_request
    headers = dict(request.headers)
    body = Webhook(endpoint.secret).verify(request.body, headers)
    assert body == {
        "type": "order.confirmed",
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": event.data,
    }
    assert headers["webhook-id"] == str(event.pk)
    assert request.headers["content-type"] == "application/json"
    assert endpoint.secret.startswith("whsec_")


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


def test_gone_disables_the_endpoint_at_once(make_endpoint, publish, receiver):
    receiver.post(URL, status_code=410)
    endpoint = make_endpoint()
    event = publish("order.created")
    delivery = WebhookDelivery.objects.get(event=event)
    endpoint.refresh_from_db()
    assert delivery.status == "failed"
    assert endpoint.active is False
    assert "410" in endpoint.disabled_reason
    assert endpoint.version == 2
    publish("order.confirmed")
    assert WebhookDelivery.objects.count() == 1
    assert receiver.call_count == 1


def test_redirect_is_a_failure_and_is_not_followed(make_endpoint, publish, receiver):
    receiver.post(URL, status_code=302, headers={"Location": "http://other.example.com/elsewhere"})
    elsewhere = receiver.post("http://other.example.com/elsewhere", status_code=200)
    make_endpoint()
    event = publish("order.created")
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)
    assert "Redirect" in delivery.last_error
    assert elsewhere.call_count == 0


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


def test_timeouts_and_connection_errors_are_failures(make_endpoint, publish, receiver):
    import requests

    receiver.post(URL, exc=requests.ConnectTimeout)
    make_endpoint()
    event = publish("order.created")
    attempt = WebhookAttempt.objects.get(delivery__event=event)
    assert attempt.status_code is None
    assert "Timed out" in attempt.error


def test_rotation_sends_both_signatures_during_the_overlap(make_endpoint, publish, receiver, settings):
    settings.WEBHOOK_SECRET_OVERLAP_SECONDS = 3600
    receiver.post(URL, status_code=200)
    endpoint = make_endpoint()
    old_secret = endpoint.secret
    with time_machine.travel(T0, tick=False) as clock:
        rotated = rotate_secret(actor=None, endpoint_id=endpoint.pk)
        publish("order.created")
        request = receiver.last_request
        assert len(request.headers["webhook-signature"].split(" ")) == 2
        Webhook(old_secret).verify(request.body, dict(request.headers))
        Webhook(rotated.secret).verify(request.body, dict(request.headers))
        clock.shift(3601)
        publish("order.confirmed")
        request = receiver.last_request
        assert len(request.headers["webhook-signature"].split(" ")) == 1
        Webhook(rotated.secret).verify(request.body, dict(request.headers))


def test_private_address_at_delivery_time_is_refused(make_endpoint, publish, receiver, fake_dns):
    receiver.post(URL, status_code=200)
    make_endpoint()
    fake_dns["hooks.example.com"] = "10.1.2.3"  # DNS now points inside the network
    try:
        event = publish("order.created")
    finally:
        fake_dns["hooks.example.com"] = "93.184.216.34"
    attempt = WebhookAttempt.objects.get(delivery__event=event)
    assert attempt.error.startswith("Refused")
    assert receiver.call_count == 0


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


def test_endpoint_failing_for_five_days_is_disabled_and_staff_emailed(
    make_endpoint, publish, receiver, clerk, admin, citizen
):
    receiver.post(URL, status_code=500)
    endpoint = make_endpoint(events=["order.*"])
    with time_machine.travel(T0, tick=False) as clock:
        publish("order.created")
        endpoint.refresh_from_db()
        assert (endpoint.failing_since, endpoint.consecutive_failures) == (T0, 1)
        clock.shift(timedelta(days=4, hours=23))
        publish("order.created")
        endpoint.refresh_from_db()
        assert endpoint.active is True
        clock.shift(timedelta(hours=1))
        publish("order.created")
    endpoint.refresh_from_db()
    assert endpoint.active is False
    assert "5 days" in endpoint.disabled_reason
    assert sorted(m.to[0] for m in mail.outbox) == sorted([clerk.email, admin.email])
    assert all(f"Webhook endpoint {endpoint.pk} was disabled" == m.subject for m in mail.outbox)


def test_a_success_resets_the_failure_streak(make_endpoint, publish, receiver):
    receiver.post(URL, [{"status_code": 500}, {"status_code": 200}, {"status_code": 500}])
    endpoint = make_endpoint(events=["order.*"])
    with time_machine.travel(T0, tick=False) as clock:
        publish("order.created")
        clock.shift(timedelta(days=3))
        publish("order.created")  # the first delivery's retry is due too, but this one answers 200
        clock.shift(timedelta(days=3))
        publish("order.created")
    endpoint.refresh_from_db()
    assert endpoint.active is True
    assert endpoint.failing_since == T0 + timedelta(days=6)


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


def test_payload_body_is_compact_json(make_endpoint, publish, receiver):
    receiver.post(URL, status_code=200)
    make_endpoint()
    publish("order.created")
    assert orjson.loads(receiver.last_request.body)["type"] == "order.created"
    assert WebhookEndpoint.objects.get().consecutive_failures == 0


def test_the_sweep_disables_an_endpoint_failing_too_long_without_new_attempts(
    make_endpoint, publish, receiver, settings, clerk
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0]
    receiver.post(URL, status_code=500)
    endpoint = make_endpoint()
    with time_machine.travel(T0, tick=False) as clock:
        publish("order.created")
        clock.shift(timedelta(days=4))
        sweep()
        endpoint.refresh_from_db()
        assert endpoint.active is True
        clock.shift(timedelta(days=1, seconds=1))
        sweep()
    endpoint.refresh_from_db()
    assert endpoint.active is False
    assert [m.to for m in mail.outbox] == [[clerk.email]]
