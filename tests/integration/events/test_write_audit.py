"""Every staff write of the catalog and the webhook endpoints leaves one audit row naming its actor,
the entity and the action with what changed; every delete honours ``If-Match`` (a stale version is
``412`` and the row stays)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from events.models import AuditEvent, WebhookEndpoint
from orders.models import Category, Product

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhooks/endpoints"


@pytest.fixture
def entities(make_endpoint: Any) -> dict[str, Any]:
    return {
        "category": Category.objects.create(name="Audited", slug="audited"),
        "product": Product.objects.create(name="Audited", price="3.00", stock=1),
        "webhook_endpoint": make_endpoint(events=["order.*"]),
    }


WRITES: dict[str, tuple[str, str, Callable[[Any, Any], Any]]] = {
    "category create": (
        "category",
        "create",
        lambda c, _: c.post("/api/v1/categories", {"name": "New"}, format="json"),
    ),
    "category update": (
        "category",
        "update",
        lambda c, e: c.patch(f"/api/v1/categories/{e.pk}", {"name": "Renamed"}, format="json"),
    ),
    "category delete": ("category", "delete", lambda c, e: c.delete(f"/api/v1/categories/{e.pk}")),
    "product create": (
        "product",
        "create",
        lambda c, _: c.post("/api/v1/products", {"name": "New", "price": "1.00"}, format="json"),
    ),
    "product update": (
        "product",
        "update",
        lambda c, e: c.patch(f"/api/v1/products/{e.pk}", {"price": "4.00"}, format="json"),
    ),
    "product delete": ("product", "delete", lambda c, e: c.delete(f"/api/v1/products/{e.pk}")),
    "endpoint update": (
        "webhook_endpoint",
        "update",
        lambda c, e: c.patch(f"{ENDPOINTS}/{e.pk}", {"description": "on call"}, format="json"),
    ),
    "endpoint rotation": ("webhook_endpoint", "update", lambda c, e: c.post(f"{ENDPOINTS}/{e.pk}/rotate-secret")),
    "endpoint delete": ("webhook_endpoint", "delete", lambda c, e: c.delete(f"{ENDPOINTS}/{e.pk}")),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_a_staff_write_is_audited_with_its_actor_entity_and_changes(clerk, clerk_client, entities, write):
    entity_type, action, send = WRITES[write]
    existing = entities[entity_type]
    before = AuditEvent.objects.order_by("id").values_list("id", flat=True).last() or 0
    response = send(clerk_client, existing)
    assert response.status_code in (200, 201, 204), response.content
    entity_id = response.json()["id"] if action == "create" else existing.pk
    entry = AuditEvent.objects.get(id__gt=before)  # one row, the write's
    assert (entry.actor_id, entry.entity_type, entry.entity_id, entry.action) == (
        clerk.pk,
        entity_type,
        str(entity_id),
        action,
    )
    assert entry.changes, "an audit row without the changes it records"
    if action == "create":
        assert entry.changes["name"] == [None, "New"]  # what was created, from nothing


DELETES = {
    "category": (Category, "/api/v1/categories/{pk}"),
    "product": (Product, "/api/v1/products/{pk}"),
    "webhook_endpoint": (WebhookEndpoint, ENDPOINTS + "/{pk}"),
}


@pytest.mark.parametrize("entity_type", list(DELETES))
def test_a_delete_with_a_stale_version_is_412_and_keeps_the_row(clerk_client, entities, entity_type):
    model, url = DELETES[entity_type]
    existing = entities[entity_type]
    response = clerk_client.delete(url.format(pk=existing.pk), HTTP_IF_MATCH='W/"9"')
    assert response.status_code == 412
    assert model.objects.filter(pk=existing.pk).exists()
    assert not AuditEvent.objects.filter(entity_type=entity_type, action="delete").exists()


def test_a_missing_endpoint_is_not_found_by_name(clerk_client):
    for response in (
        clerk_client.patch(f"{ENDPOINTS}/999999", {"description": "x"}, format="json"),
        clerk_client.delete(f"{ENDPOINTS}/999999"),
        clerk_client.post(f"{ENDPOINTS}/999999/rotate-secret"),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == "Webhook endpoint not found"
