"""The event feed (oldest first, by type and after an id) and the read-only audit trail."""

import pytest

pytestmark = pytest.mark.django_db

URL = "http://hooks.example.com/hook"
ENDPOINTS = "/api/v1/webhooks/endpoints"
DELIVERIES = "/api/v1/webhooks/deliveries"


def test_event_feed_oldest_first_with_type_and_after(clerk_client, publish, admin_client_api):
    first = publish("order.created")
    second = publish("order.confirmed")
    third = publish("expediente.created")
    body = clerk_client.get("/api/v1/events").json()
    assert [e["id"] for e in body["data"]] == [first.pk, second.pk, third.pk]
    assert body["data"][0] == {
        "id": first.pk,
        "type": "order.created",
        "data": first.data,
        "created_at": body["data"][0]["created_at"],
    }
    assert [e["id"] for e in clerk_client.get(f"/api/v1/events?after={first.pk}").json()["data"]] == [
        second.pk,
        third.pk,
    ]
    assert [e["id"] for e in admin_client_api.get("/api/v1/events?type=order.confirmed").json()["data"]] == [second.pk]
    assert clerk_client.get("/api/v1/events?after=x").status_code == 422
    cursor = clerk_client.get("/api/v1/events?cursor=&per_page=2").json()
    assert [e["id"] for e in cursor["data"]] == [first.pk, second.pk]
    rest = clerk_client.get(f"/api/v1/events?cursor={cursor['next_cursor']}&per_page=2").json()
    assert [e["id"] for e in rest["data"]] == [third.pk]


def test_after_beyond_any_id_is_empty(clerk_client, publish):
    publish("order.created")
    assert clerk_client.get("/api/v1/events?after=99999999999999999999999").json()["data"] == []


def test_audit_events_filters(clerk_client, clerk, make_endpoint):
    from events.services import record

    record(actor=clerk, entity_type="expediente", entity_id=7, action="create", changes={"titulo": [None, "x"]})
    record(actor=clerk, entity_type="expediente", entity_id=7, action="transition", changes={"estado": ["a", "b"]})
    record(actor=None, entity_type="order", entity_id=3, action="update", changes={"password": ["a", "b"]})
    body = clerk_client.get("/api/v1/audit-events?entity_type=expediente&entity_id=7").json()
    assert [e["action"] for e in body["data"]] == ["transition", "create"]
    item = body["data"][0]
    assert set(item) == {"id", "actor", "entity_type", "entity_id", "action", "changes", "request_id", "created_at"}
    assert (item["actor"], item["entity_id"]) == (clerk.pk, 7)
    assert clerk_client.get(f"/api/v1/audit-events?actor={clerk.pk}").json()["total"] == 2
    orders = clerk_client.get("/api/v1/audit-events?action=update").json()["data"]
    assert [(o["entity_type"], o["changes"]) for o in orders] == [("order", {"password": ["***", "***"]})]
    assert clerk_client.get("/api/v1/audit-events?action=nope").status_code == 422
    assert clerk_client.get(f"/api/v1/audit-events/{item['id']}").json()["id"] == item["id"]


def test_audit_events_cannot_be_changed_through_the_api(clerk_client, clerk):
    from events.services import record

    audit = record(actor=clerk, entity_type="order", entity_id=1, action="create").audit
    for method in ("post", "put", "patch", "delete"):
        path = "/api/v1/audit-events" if method == "post" else f"/api/v1/audit-events/{audit.pk}"
        assert getattr(clerk_client, method)(path, {}, format="json").status_code == 405
