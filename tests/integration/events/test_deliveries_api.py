"""The staff API for deliveries: list, filters and detail with attempts, retry; query counts of the lists."""

import pytest

from events.models import WebhookDelivery

pytestmark = pytest.mark.django_db

URL = "http://hooks.example.com/hook"
ENDPOINTS = "/api/v1/webhooks/endpoints"
DELIVERIES = "/api/v1/webhooks/deliveries"


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
    assert response.json()["detail"] == "The webhook endpoint is disabled; re-enable it first."
    missing = clerk_client.post(f"{DELIVERIES}/999999/retry")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Webhook delivery not found"


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


def test_a_delivery_being_sent_is_not_retried_and_a_retry_starts_afresh(clerk_client, make_endpoint, publish, receiver):
    from datetime import timedelta

    from django.utils import timezone

    receiver.post(URL, status_code=500)
    make_endpoint()
    publish("order.created")
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        locked_until=timezone.now() + timedelta(minutes=1), lease_token="lease-of-a-worker"
    )
    busy = clerk_client.post(f"{DELIVERIES}/{delivery.pk}/retry")
    assert busy.status_code == 409
    assert busy.json()["detail"] == "The delivery is being sent right now."
    WebhookDelivery.objects.filter(pk=delivery.pk).update(locked_until=timezone.now() - timedelta(minutes=1))
    assert clerk_client.post(f"{DELIVERIES}/{delivery.pk}/retry").status_code == 202
    delivery.refresh_from_db()
    assert (delivery.status, delivery.locked_until, delivery.lease_token) == ("pending", None, "")
    assert delivery.enqueued_at is not None
