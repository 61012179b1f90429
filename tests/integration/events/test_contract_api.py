"""Contract audit of docs/api-guide.md#events-webhooks-audit-email over the staff API: URL rules, filters and bad query values."""

import pytest

from events.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhooks/endpoints"
AUDIT = "/api/v1/audit-events"


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


def test_endpoint_list_filters_active_and_refuses_a_bad_boolean(clerk_client, make_endpoint):
    on = make_endpoint()
    off = make_endpoint(url="http://other.example.com/hook", active=False)
    assert [e["id"] for e in clerk_client.get(f"{ENDPOINTS}?active=false").json()["data"]] == [off.pk]
    assert [e["id"] for e in clerk_client.get(f"{ENDPOINTS}?active=true").json()["data"]] == [on.pk]
    response = clerk_client.get(f"{ENDPOINTS}?active=maybe")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "active"
    assert WebhookEndpoint.objects.count() == 2


def test_audit_entity_id_is_an_integer_filter(clerk_client, make_endpoint):
    endpoint = make_endpoint()
    rows = clerk_client.get(f"{AUDIT}?entity_type=webhook_endpoint&entity_id={endpoint.pk}").json()["data"]
    assert [(row["entity_id"], row["action"]) for row in rows] == [(endpoint.pk, "create")]
    assert clerk_client.get(f"{AUDIT}?entity_id=99999999999999999999999").json()["total"] == 0
    bad = clerk_client.get(f"{AUDIT}?entity_id=abc")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "entity_id"


def test_an_endpoint_deleted_during_an_attempt_ends_the_task_quietly(
    clerk_client, make_endpoint, receiver, django_capture_on_commit_callbacks
):
    from events import delivery as delivery_service
    from events import outbox
    from events.services import record

    endpoint = make_endpoint()
    with django_capture_on_commit_callbacks(execute=False):
        event = record(
            actor=None, entity_type="order", entity_id=1, action="create", event_type="order.created", data={}
        ).event
    delivery = WebhookDelivery.objects.get(event=event)
    row, ticket = outbox.claim(WebhookDelivery, delivery.pk)
    assert clerk_client.delete(f"{ENDPOINTS}/{endpoint.pk}").status_code == 204
    outcome = delivery_service.Outcome(200, 5, "")
    result = delivery_service.finish(
        delivery_id=delivery.pk, number=ticket.number, token=ticket.token, at=row.locked_until, outcome=outcome
    )
    assert result == "skipped"
    assert delivery_service.deliver(delivery_id=delivery.pk) == "skipped"
    assert receiver.call_count == 0
