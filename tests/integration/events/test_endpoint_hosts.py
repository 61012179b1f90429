"""Webhook endpoint URLs: which hosts registration accepts (resolved or not, internationalised) and delivery refuses."""

import pytest

from events.models import WebhookAttempt, WebhookDelivery

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhooks/endpoints"


@pytest.mark.parametrize("url", ["https://example.com/hooks", "http://receiver.invalid:8080/hook"])
def test_a_host_that_does_not_resolve_is_accepted_at_registration(clerk_client, settings, url):
    # The contract refuses hosts that *resolve* to non-public addresses; a name this machine
    # cannot resolve (no DNS in a sandbox, a record not published yet) is not one of them.
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    response = clerk_client.post(ENDPOINTS, {"url": url, "events": ["order.*"]}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["url"] == url
    changed = clerk_client.patch(f"{ENDPOINTS}/{response.json()['id']}", {"url": url + "/v2"}, format="json")
    assert changed.status_code == 200, changed.json()


def test_registration_with_private_hosts_allowed_needs_no_dns(clerk_client, settings, monkeypatch):
    from events import ssrf

    def no_dns(*args, **kwargs):
        raise AssertionError("DNS must not be consulted when private hosts are allowed")

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", no_dns)
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    response = clerk_client.post(ENDPOINTS, {"url": "http://receiver.invalid/hook", "events": ["*"]}, format="json")
    assert response.status_code == 201, response.json()


def test_an_unresolvable_host_is_still_refused_at_delivery(make_endpoint, publish, receiver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    endpoint = make_endpoint(url="https://receiver.invalid/hook")
    publish("order.created")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None
    assert "cannot be resolved" in attempt.error
    assert delivery.status == "pending"
    assert receiver.call_count == 0


def test_internationalised_webhook_url_round_trips_and_the_schema_allows_it(clerk_client, fake_dns):
    fake_dns["例え.テスト"] = "93.184.216.34"
    url = "https://例え.テスト/hook"
    created = clerk_client.post("/api/v1/webhooks/endpoints", {"url": url, "events": ["order.*"]}, format="json")
    assert created.status_code == 201, created.content
    assert clerk_client.get(f"/api/v1/webhooks/endpoints/{created.json()['id']}").json()["url"] == url

    # "uri" (RFC 3986) is ASCII only: schemathesis flagged our own answer as violating the schema.
    schema = clerk_client.get("/api/v1/schema/?format=json").json()["components"]["schemas"]
    assert schema["WebhookEndpoint"]["properties"]["url"]["format"] == "iri"
    assert schema["WebhookEndpointInputRequest"]["properties"]["url"]["format"] == "iri"
