"""Webhooks, events and the audit trail in the admin."""

from __future__ import annotations

import pytest
import requests_mock
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import AuditEvent, Event, WebhookDelivery, WebhookEndpoint
from events.services import create_endpoint, record
from tests.support.admin import messages_of
from tests.support.fakes import fake_getaddrinfo

pytestmark = pytest.mark.django_db

DELIVERIES = "/admin/events/webhookdelivery/"


@pytest.fixture(autouse=True)
def _outbox(settings, monkeypatch):
    from config.celery import app as celery_app
    from events import ssrf

    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    settings.WEBHOOK_RETRY_SCHEDULE = [0]
    monkeypatch.setattr(ssrf.socket, "getaddrinfo", fake_getaddrinfo)
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def _failed_delivery(django_capture_on_commit_callbacks) -> WebhookDelivery:
    endpoint = create_endpoint(actor=None, url="http://127.0.0.1:9/hook", events=["order.*"])
    with requests_mock.Mocker() as receiver:
        receiver.post(endpoint.url, status_code=500)
        with django_capture_on_commit_callbacks(execute=True):
            record(
                actor=None,
                entity_type="order",
                entity_id=1,
                action="create",
                event_type="order.created",
                data={"id": 1},
            )
    return WebhookDelivery.objects.get(endpoint=endpoint)


def test_retry_action_sends_the_delivery_again(clerk_web, django_capture_on_commit_callbacks):
    delivery = _failed_delivery(django_capture_on_commit_callbacks)
    assert (delivery.status, delivery.attempt_count) == ("failed", 1)
    page = clerk_web.get(f"{DELIVERIES}{delivery.pk}/change/").content.decode()
    assert "status-failed" in page
    assert ">500<" in page

    with requests_mock.Mocker() as receiver:
        receiver.post(delivery.endpoint.url, status_code=204)
        with django_capture_on_commit_callbacks(execute=True):
            response = clerk_web.post(DELIVERIES, {"action": "retry", "_selected_action": [delivery.pk]}, follow=True)
        assert receiver.call_count == 1
    assert f"1 delivery queued again: delivery {delivery.pk}." in messages_of(response)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)


def test_retry_on_a_disabled_endpoint_is_refused(clerk_web, django_capture_on_commit_callbacks):
    delivery = _failed_delivery(django_capture_on_commit_callbacks)
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(active=False)
    response = clerk_web.post(DELIVERIES, {"action": "retry", "_selected_action": [delivery.pk]}, follow=True)
    assert any("endpoint is disabled" in message for message in messages_of(response))
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_endpoint_secret_never_shown_and_changes_go_through_the_service(clerk, clerk_web):
    endpoint = create_endpoint(actor=None, url="https://hooks.example.com/a", events=["order.*"])
    page = clerk_web.get(f"/admin/events/webhookendpoint/{endpoint.pk}/change/").content.decode()
    assert endpoint.secret not in page
    assert "whsec_••••••••" in page
    listing = clerk_web.get("/admin/events/webhookendpoint/").content.decode()
    assert endpoint.secret not in listing

    response = clerk_web.post(
        f"/admin/events/webhookendpoint/{endpoint.pk}/change/",
        {"url": "https://hooks.example.com/b", "events": "order.*,expediente.created", "description": "x"},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.active) == (
        "https://hooks.example.com/b",
        ["order.*", "expediente.created"],
        False,
    )
    audit = AuditEvent.objects.filter(entity_type="webhook_endpoint", action="update").get()
    assert audit.actor_id == clerk.pk
    assert "secret" not in audit.changes


def test_endpoint_change_with_an_unknown_event_pattern_is_refused(clerk_web):
    endpoint = create_endpoint(actor=None, url="https://hooks.example.com/a", events=["order.*"])
    response = clerk_web.post(
        f"/admin/events/webhookendpoint/{endpoint.pk}/change/",
        {"url": "https://hooks.example.com/a", "events": "nonsense.thing", "active": "on"},
        follow=True,
    )
    assert len(messages_of(response)) == 1
    endpoint.refresh_from_db()
    assert endpoint.events == ["order.*"]


@pytest.mark.parametrize("model", ["auditevent", "event", "emailmessage"])
def test_audit_and_events_are_read_only_even_for_superusers(admin, admin_web, model):
    record(actor=admin, entity_type="order", entity_id=1, action="create", event_type="order.created", data={"id": 1})
    assert admin.is_superuser
    listing = admin_web.get(f"/admin/events/{model}/")
    assert listing.status_code == 200
    assert admin_web.get(f"/admin/events/{model}/add/").status_code == 403
    if model == "auditevent":
        audit = AuditEvent.objects.latest("id")
        page = admin_web.get(f"/admin/events/auditevent/{audit.pk}/change/")
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False
        assert page.context["has_delete_permission"] is False
        assert admin_web.post(f"/admin/events/auditevent/{audit.pk}/change/", {}).status_code == 403
        assert admin_web.post(f"/admin/events/auditevent/{audit.pk}/delete/", {"post": "yes"}).status_code == 403
        assert AuditEvent.objects.filter(pk=audit.pk).exists()
    if model == "event":
        event = Event.objects.latest("id")
        assert admin_web.post(f"/admin/events/event/{event.pk}/delete/", {"post": "yes"}).status_code == 403
        assert Event.objects.filter(pk=event.pk).exists()


def test_audit_list_names_actors_without_a_query_per_row(admin, make_user, admin_web):
    for _ in range(3):
        record(actor=make_user("clerk"), entity_type="expediente", entity_id=1, action="update")
    with CaptureQueriesContext(connection):
        page = admin_web.get("/admin/events/auditevent/")
    html = page.content.decode()
    assert "clerk" in html
