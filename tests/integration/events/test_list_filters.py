"""The staff API's webhook and audit lists: filters that refuse bad values with a 422."""

import pytest

from events.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


ENDPOINTS = "/api/v1/webhooks/endpoints"


AUDIT = "/api/v1/audit-events"


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
