"""What a receiver gets: a signed compact body (both signatures during a rotation); redirects not
followed, timeouts and refused addresses are failed attempts."""

from datetime import UTC, datetime

import orjson
import pytest
import time_machine
from standardwebhooks import Webhook

from events.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from events.services import rotate_secret

pytestmark = pytest.mark.django_db

URL = "http://hooks.example.com/hook"
T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


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


def test_payload_body_is_compact_json(make_endpoint, publish, receiver):
    receiver.post(URL, status_code=200)
    make_endpoint()
    publish("order.created")
    assert orjson.loads(receiver.last_request.body)["type"] == "order.created"
    assert WebhookEndpoint.objects.get().consecutive_failures == 0


def test_redirect_is_a_failure_and_is_not_followed(make_endpoint, publish, receiver):
    receiver.post(URL, status_code=302, headers={"Location": "http://other.example.com/elsewhere"})
    elsewhere = receiver.post("http://other.example.com/elsewhere", status_code=200)
    make_endpoint()
    event = publish("order.created")
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)
    assert "Redirect" in delivery.last_error
    assert elsewhere.call_count == 0


def test_timeouts_and_connection_errors_are_failures(make_endpoint, publish, receiver):
    import requests

    receiver.post(URL, exc=requests.ConnectTimeout)
    make_endpoint()
    event = publish("order.created")
    attempt = WebhookAttempt.objects.get(delivery__event=event)
    assert attempt.status_code is None
    assert "Timed out" in attempt.error


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
