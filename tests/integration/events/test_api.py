"""The staff API: endpoints, deliveries, the event feed and the audit trail (docs/api-guide.md#events-webhooks-audit-email)."""

import pytest

from events.models import AuditEvent, WebhookDelivery, WebhookEndpoint

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
    if fragment:
        assert fragment in error["message"]
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
    assert response.json()["errors"][0]["field"] == field


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


def test_deliveries_list_filters_and_detail_with_attempts(clerk_client, make_endpoint, publish, receiver):
    receiver.post(URL, [{"status_code": 500}, {"status_code": 200}])
    receiver.post("http://other.example.com/hook", status_code=200)
    first = make_endpoint(events=["order.*"])
    second = make_endpoint(url="http://other.example.com/hook", events=["*"])
    publish("order.created")
    publish("expediente.created")

    everything = clerk_client.get(DELIVERIES).json()
    assert everything["total"] == 3
    assert clerk_client.get(f"{DELIVERIES}?endpoint={first.pk}").json()["total"] == 1
    assert clerk_client.get(f"{DELIVERIES}?endpoint={second.pk}&event_type=expediente.created").json()["total"] == 1
    pending = clerk_client.get(f"{DELIVERIES}?status=pending").json()["data"]
    assert [(d["endpoint"], d["event_type"], d["attempt_count"]) for d in pending] == [(first.pk, "order.created", 1)]
    assert clerk_client.get(f"{DELIVERIES}?status=bogus").status_code == 422
    assert clerk_client.get(f"{DELIVERIES}?endpoint=abc").status_code == 422
    assert clerk_client.get(f"{DELIVERIES}?endpoint=99999999999999999999999").json()["total"] == 0

    detail = clerk_client.get(f"{DELIVERIES}/{pending[0]['id']}").json()
    assert [(a["status_code"], a["error"]) for a in detail["attempts"]] == [(500, "HTTP 500")]
    assert set(detail["attempts"][0]) >= {"at", "status_code", "duration_ms", "error"}


def test_retry_resends_and_answers_202(
    clerk_client, make_endpoint, publish, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0]
    receiver.post(URL, [{"status_code": 500}, {"status_code": 200}])
    make_endpoint()
    publish("order.created")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"

    with django_capture_on_commit_callbacks(execute=True):
        response = clerk_client.post(f"{DELIVERIES}/{delivery.pk}/retry")
    assert response.status_code == 202
    assert response.json()["id"] == delivery.pk
    detail = clerk_client.get(f"{DELIVERIES}/{delivery.pk}").json()
    assert detail["status"] == "succeeded"
    assert [a["status_code"] for a in detail["attempts"]] == [500, 200]
    assert receiver.call_count == 2
    # A succeeded delivery can be re-sent too (same webhook-id, so receivers can deduplicate).
    receiver.post(URL, status_code=200)
    with django_capture_on_commit_callbacks(execute=True):
        assert clerk_client.post(f"{DELIVERIES}/{delivery.pk}/retry/").status_code == 202
    assert receiver.call_count == 3
    assert len({r.headers["webhook-id"] for r in receiver.request_history}) == 1


def test_retry_on_a_disabled_endpoint_is_409(clerk_client, make_endpoint, publish, receiver):
    receiver.post(URL, status_code=410)
    make_endpoint()
    publish("order.created")
    delivery = WebhookDelivery.objects.get()
    response = clerk_client.post(f"{DELIVERIES}/{delivery.pk}/retry")
    assert response.status_code == 409
    assert clerk_client.post(f"{DELIVERIES}/999999/retry").status_code == 404


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


def test_list_endpoints_query_counts(clerk_client, make_endpoint, publish, receiver, django_assert_max_num_queries):
    receiver.post(URL, status_code=200)
    for _ in range(3):
        make_endpoint()
    for _ in range(5):
        publish("order.created")
    with django_assert_max_num_queries(4):
        assert clerk_client.get(DELIVERIES).json()["total"] == 15
    with django_assert_max_num_queries(4):
        assert clerk_client.get("/api/v1/events").json()["total"] == 5
    with django_assert_max_num_queries(4):
        assert clerk_client.get(ENDPOINTS).json()["total"] == 3
    with django_assert_max_num_queries(4):
        clerk_client.get("/api/v1/audit-events")
    delivery = WebhookDelivery.objects.first()
    with django_assert_max_num_queries(4):
        assert clerk_client.get(f"{DELIVERIES}/{delivery.pk}").status_code == 200


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


def test_after_beyond_any_id_is_empty(clerk_client, publish):
    publish("order.created")
    assert clerk_client.get("/api/v1/events?after=99999999999999999999999").json()["data"] == []
