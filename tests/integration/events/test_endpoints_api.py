"""The staff API for webhook endpoints: create (secret shown once), SSRF and pattern checks, update,
delete, rotate; citizens refused everywhere."""

import pytest

from events.models import AuditEvent, WebhookEndpoint

pytestmark = pytest.mark.django_db

URL = "http://hooks.example.com/hook"
ENDPOINTS = "/api/v1/webhooks/endpoints"
DELIVERIES = "/api/v1/webhooks/deliveries"


def test_create_shows_the_secret_once_then_masks_it(clerk_client):
    response = clerk_client.post(ENDPOINTS, {"url": URL, "events": ["order.*", "expediente.created"]}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    secret = body["secret"]
    assert secret.startswith("whsec_")
    import base64

    assert 24 <= len(base64.b64decode(secret.removeprefix("whsec_"))) <= 64
    assert body["events"] == ["order.*", "expediente.created"]
    assert body["active"] is True
    assert response["ETag"] == 'W/"1"'

    detail = clerk_client.get(f"{ENDPOINTS}/{body['id']}")
    assert detail.status_code == 200
    assert detail["ETag"] == 'W/"1"'
    assert detail.json()["secret"] != secret
    assert secret not in detail.content.decode()
    listing = clerk_client.get(f"{ENDPOINTS}/")
    assert listing.json()["total"] == 1
    assert secret not in listing.content.decode()


def test_create_is_audited_with_the_secret_masked(clerk_client, clerk):
    body = clerk_client.post(ENDPOINTS, {"url": URL, "events": ["*"]}, format="json").json()
    audit = AuditEvent.objects.get(entity_type="webhook_endpoint")
    assert (audit.actor_id, audit.entity_id, audit.action) == (clerk.pk, str(body["id"]), "create")
    assert audit.changes["secret"] == ["***", "***"]
    assert audit.changes["url"] == [None, URL]
    assert body["secret"] not in str(audit.changes)


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://127.0.0.1/hook", "non-public"),
        ("http://internal.example.com/hook", "non-public"),
        ("http://metadata.example.com/latest", "non-public"),
        ("http://[::1]:8080/hook", "non-public"),
        ("http://[::ffff:10.0.0.1]/hook", "non-public"),
        ("http://224.0.0.1/hook", "non-public"),
        ("http://0.0.0.0/hook", "non-public"),
        ("ftp://hooks.example.com/hook", None),
        ("not a url", None),
    ],
)
def test_unsafe_urls_are_422(clerk_client, url, fragment):
    response = clerk_client.post(ENDPOINTS, {"url": url, "events": ["*"]}, format="json")
    assert response.status_code == 422, response.json()
    error = response.json()["errors"][0]
    assert error["field"] == "url"
    if fragment:  # refused by the SSRF check (the others by the URL field itself)
        assert fragment in error["message"]
        assert error["code"] == "unsafe_url"
    assert WebhookEndpoint.objects.count() == 0


def test_private_hosts_allowed_when_configured(clerk_client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    response = clerk_client.post(ENDPOINTS, {"url": "http://127.0.0.1:9/hook", "events": ["*"]}, format="json")
    assert response.status_code == 201
    # The scheme rule still holds.
    response = clerk_client.post(ENDPOINTS, {"url": "ftp://127.0.0.1/", "events": ["*"]}, format="json")
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("events", "field"),
    [([], "events"), (["nope.*"], "events.0"), (["order.*", "order.paid"], "events.1"), (["ord*r.*"], "events.0")],
)
def test_bad_event_patterns_are_422(clerk_client, events, field):
    response = clerk_client.post(ENDPOINTS, {"url": URL, "events": events}, format="json")
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == field
    if events:  # a pattern refused by the service (an empty list by the serializer)
        assert error["code"] == "invalid_choice"


def test_patch_changes_fields_bumps_the_version_and_honours_if_match(clerk_client, make_endpoint):
    endpoint = make_endpoint(events=["order.*"])
    response = clerk_client.patch(
        f"{ENDPOINTS}/{endpoint.pk}", {"events": ["payment.*"], "active": False}, format="json", HTTP_IF_MATCH='W/"1"'
    )
    assert response.status_code == 200, response.json()
    assert response["ETag"] == 'W/"2"'
    assert (response.json()["events"], response.json()["active"]) == (["payment.*"], False)
    stale = clerk_client.patch(f"{ENDPOINTS}/{endpoint.pk}", {"active": True}, format="json", HTTP_IF_MATCH='W/"1"')
    assert stale.status_code == 412
    again = clerk_client.patch(f"{ENDPOINTS}/{endpoint.pk}", {"active": True}, format="json")
    assert again.json()["active"] is True
    assert again.json()["disabled_reason"] == ""
    bad = clerk_client.patch(f"{ENDPOINTS}/{endpoint.pk}", {"url": "http://10.0.0.1/"}, format="json")
    assert bad.status_code == 422
    updates = AuditEvent.objects.filter(entity_type="webhook_endpoint", action="update").order_by("id")
    assert updates[0].changes == {"events": [["order.*"], ["payment.*"]], "active": [True, False]}


def test_put_is_not_allowed(clerk_client, make_endpoint):
    endpoint = make_endpoint()
    response = clerk_client.put(f"{ENDPOINTS}/{endpoint.pk}", {"url": URL, "events": ["*"]}, format="json")
    assert response.status_code == 405


def test_delete_removes_the_endpoint_and_is_audited(clerk_client, make_endpoint):
    endpoint = make_endpoint()
    assert clerk_client.delete(f"{ENDPOINTS}/{endpoint.pk}").status_code == 204
    assert clerk_client.get(f"{ENDPOINTS}/{endpoint.pk}").status_code == 404
    assert clerk_client.delete(f"{ENDPOINTS}/{endpoint.pk}").json()["detail"] == "Webhook endpoint not found"
    audit = AuditEvent.objects.get(entity_type="webhook_endpoint", action="delete")
    assert audit.changes["secret"] == ["***", "***"]


def test_rotate_secret_returns_the_new_secret(clerk_client, make_endpoint):
    endpoint = make_endpoint()
    response = clerk_client.post(f"{ENDPOINTS}/{endpoint.pk}/rotate-secret")
    assert response.status_code == 200
    secret = response.json()["secret"]
    endpoint.refresh_from_db()
    assert secret == endpoint.secret
    assert endpoint.previous_secret
    assert endpoint.previous_secret != secret
    detail = clerk_client.get(f"{ENDPOINTS}/{endpoint.pk}").json()
    assert detail["secret_rotation_ends_at"] is not None
    assert secret not in str(detail)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ENDPOINTS),
        ("post", ENDPOINTS),
        ("get", f"{ENDPOINTS}/1"),
        ("get", f"{ENDPOINTS}/999999"),
        ("patch", f"{ENDPOINTS}/1"),
        ("delete", f"{ENDPOINTS}/1"),
        ("post", f"{ENDPOINTS}/1/rotate-secret"),
        ("get", DELIVERIES),
        ("get", f"{DELIVERIES}/1"),
        ("post", f"{DELIVERIES}/1/retry"),
        ("get", "/api/v1/events"),
        ("get", "/api/v1/audit-events"),
        ("get", "/api/v1/audit-events/1"),
    ],
)
def test_citizens_get_403_on_every_url(citizen_client, api_client, make_endpoint, method, path):
    make_endpoint()
    response = getattr(citizen_client, method)(path, {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert getattr(api_client, method)(path).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        f"{ENDPOINTS}/99999999999999999999999",
        f"{ENDPOINTS}/abc",
        f"{DELIVERIES}/99999999999999999999999",
        "/api/v1/events/99999999999999999999999",
        "/api/v1/audit-events/99999999999999999999999",
    ],
)
def test_ids_out_of_range_are_404(clerk_client, path):
    response = clerk_client.get(path)
    assert response.status_code == 404
    assert response.json()["detail"].endswith("not found")
