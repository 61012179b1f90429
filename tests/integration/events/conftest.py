"""Fixtures for the outbox tests: a fake DNS, eager Celery, helpers that publish events, and for a
worker's batches: no message published on commit (``quiet``), fresh keep-alive sessions."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests_mock as requests_mock_module
from django.db import transaction

from config.celery import app as celery_app
from events import outbox, ssrf, transport
from events.models import WebhookDelivery
from events.services import create_endpoint, record

# Names the tests use instead of real DNS (never resolved over the network).
FAKE_DNS = {
    "hooks.example.com": "93.184.216.34",
    "other.example.com": "93.184.216.35",
    "third.example.com": "93.184.216.36",
    "internal.example.com": "10.0.0.5",
    "metadata.example.com": "169.254.169.254",
}


def fake_getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
    address = FAKE_DNS.get(host, host)
    try:
        socket.inet_pton(socket.AF_INET, address)
        family = socket.AF_INET
    except OSError:
        try:
            socket.inet_pton(socket.AF_INET6, address)
            family = socket.AF_INET6
        except OSError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
    sockaddr = (address, int(port or 0)) if family == socket.AF_INET else (address, int(port or 0), 0, 0)
    return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setattr(ssrf.socket, "getaddrinfo", fake_getaddrinfo)
    return FAKE_DNS


@pytest.fixture(autouse=True)
def eager_celery() -> Iterator[None]:
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _outbox_settings(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
    settings.EMAIL_RETRY_SCHEDULE = [0, 5, 300]
    settings.OUTBOX_RETRY_JITTER = 0.1
    settings.OUTBOX_LEASE_SECONDS = 60


@pytest.fixture
def receiver() -> Iterator[requests_mock_module.Mocker]:
    """Every outgoing HTTP call is answered here; nothing leaves the machine."""
    with requests_mock_module.Mocker() as mocker:
        yield mocker


@pytest.fixture
def make_endpoint(db: None) -> Callable[..., Any]:
    def factory(url: str = "http://hooks.example.com/hook", events: list[str] | None = None, **kwargs: Any) -> Any:
        return create_endpoint(actor=None, url=url, events=events or ["*"], **kwargs)

    return factory


SAMPLE_DATA: dict[str, dict[str, Any]] = {
    "expediente.created": {"id": 11, "numero": "EXP-2026-000011", "estado": "borrador", "owner": None},
    "expediente.status_changed": {"id": 11, "numero": "EXP-2026-000011", "from": "borrador", "to": "presentado"},
    "order.created": {"id": 5, "status": "pending", "total": "20.00", "currency": "EUR", "user": None},
    "order.confirmed": {"id": 5, "status": "confirmed", "total": "20.00", "currency": "EUR", "user": None},
    "payment.succeeded": {"id": 3, "order": 5, "amount": "20.00", "currency": "EUR"},
}


@pytest.fixture
def publish(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """``publish(type, data=None, **data_overrides)``: record() like a domain service, then commit."""

    def factory(event_type: str, data: dict[str, Any] | None = None, actor: Any = None, **overrides: Any) -> Any:
        payload = {**SAMPLE_DATA.get(event_type, {"id": 1}), **(data or {}), **overrides}
        entity_type, _, verb = event_type.partition(".")
        action = {"created": "create", "registered": "create", "deleted": "delete", "status_changed": "transition"}
        with django_capture_on_commit_callbacks(execute=True):
            result = record(
                actor=actor,
                entity_type=entity_type,
                entity_id=payload.get("id", 1),
                action=action.get(verb, "update"),
                changes={},
                event_type=event_type,
                data=payload,
            )
        return result.event

    return factory


@pytest.fixture
def fresh_sessions() -> Iterator[None]:
    """No keep-alive session (``events.transport``) of an earlier test before or after this one."""
    transport.close_sessions()
    yield
    transport.close_sessions()


@pytest.fixture
def quiet(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """No message is published (nor run eagerly) on commit: the test runs the worker's part itself."""
    published: list[tuple[Any, ...]] = []
    monkeypatch.setattr(outbox, "_publish", lambda task, args, countdown=None: published.append((task.name, args)))
    return published


@pytest.fixture
def queue_events() -> Callable[..., list[int]]:
    """``queue_events(n)``: ``n`` committed events; returns the ids of the deliveries they queued."""
    return _queue_events


def _queue_events(n: int, event_type: str = "order.created") -> list[int]:
    for index in range(n):
        with transaction.atomic():
            record(
                actor=None,
                entity_type="order",
                entity_id=index,
                action="create",
                event_type=event_type,
                data={"id": index},
            )
    return list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))
