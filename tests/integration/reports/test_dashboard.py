"""GET /api/v1/dashboard and the admin index: database aggregates that follow every write."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests_mock
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from events import ssrf
from events.models import WebhookDelivery
from events.services import create_endpoint, record
from events.tasks import deliver_webhook
from expedientes import services as expedientes_services
from expedientes.models import Estado
from orders import services as orders_services
from orders.models import OrderStatus, Product
from tests.support.fakes import fake_getaddrinfo

pytestmark = pytest.mark.django_db

URL = "/api/v1/dashboard"
ESTADOS = [choice.value for choice in Estado]
STATUSES = [choice.value for choice in OrderStatus]


@pytest.fixture(autouse=True)
def _fake_provider(settings):
    settings.PAYMENT_PROVIDER = "fake"


def _product(price: str = "12.50", stock: int = 100) -> Product:
    return Product.objects.create(name=f"Producto {Product.objects.count()}", price=Decimal(price), stock=stock)


def test_empty_dashboard_lists_every_estado_and_status_at_zero(clerk_client):
    response = clerk_client.get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "expedientes": {"total": 0, "by_estado": dict.fromkeys(ESTADOS, 0)},
        "orders": {"total": 0, "by_status": dict.fromkeys(STATUSES, 0), "revenue": "0.00", "currency": "EUR"},
        "webhooks": {"pending": 0, "failed": 0},
    }


def test_citizen_is_refused_and_anonymous_is_401(citizen_client, api_client):
    assert citizen_client.get(URL).status_code == 403
    assert citizen_client.get(f"{URL}/").status_code == 403
    assert api_client.get(URL).status_code == 401


def test_admin_may_read_it_with_or_without_slash(admin_client_api):
    assert admin_client_api.get(URL).status_code == 200
    assert admin_client_api.get(f"{URL}/").status_code == 200


def test_expediente_counts_follow_creates_and_transitions(citizen, clerk, citizen_client, clerk_client):
    first = citizen_client.post("/api/v1/expedientes", {"numero": "DASH-1", "solicitante": "Ana"}, format="json")
    citizen_client.post("/api/v1/expedientes", {"numero": "DASH-2", "solicitante": "Luis"}, format="json")
    body = clerk_client.get(URL).json()["expedientes"]
    assert body["total"] == 2
    assert body["by_estado"]["iniciado"] == 2

    exp_id = first.json()["id"]
    clerk_client.post(f"/api/v1/expedientes/{exp_id}/transitions", {"to": "en_revision"}, format="json")
    clerk_client.post(f"/api/v1/expedientes/{exp_id}/transitions", {"to": "aprobado"}, format="json")
    body = clerk_client.get(URL).json()["expedientes"]
    assert body["total"] == 2
    assert body["by_estado"] == {**dict.fromkeys(ESTADOS, 0), "iniciado": 1, "aprobado": 1}


def test_order_counts_and_revenue_follow_the_order_workflow(citizen, clerk, clerk_client):
    product = _product("12.50")
    pending = orders_services.create_order(user=citizen, items=[{"product_id": product.pk, "quantity": 2}])
    confirmed = orders_services.create_order(user=citizen, items=[{"product_id": product.pk, "quantity": 1}])
    orders_services.transition_order(actor=citizen, order_id=confirmed.pk, action="confirm")
    body = clerk_client.get(URL).json()["orders"]
    assert body["total"] == 2
    assert body["by_status"] == {**dict.fromkeys(STATUSES, 0), "pending": 1, "confirmed": 1}
    assert body["revenue"] == "12.50"

    orders_services.transition_order(actor=clerk, order_id=pending.pk, action="approve")
    orders_services.transition_order(actor=clerk, order_id=pending.pk, action="ship")
    body = clerk_client.get(URL).json()["orders"]
    assert body["by_status"]["shipped"] == 1
    assert body["revenue"] == "37.50"

    orders_services.transition_order(actor=clerk, order_id=confirmed.pk, action="cancel")
    body = clerk_client.get(URL).json()["orders"]
    assert body["by_status"] == {**dict.fromkeys(STATUSES, 0), "shipped": 1, "cancelled": 1}
    assert body["revenue"] == "25.00"


def test_checkout_counts_as_revenue(citizen, citizen_client, clerk_client):
    product = _product("19.99")
    citizen_client.post("/api/v1/cart/items", {"product_id": product.pk, "quantity": 3}, format="json")
    response = citizen_client.post("/api/v1/checkout", {"payment_method": "pm_card_visa"}, format="json")
    assert response.status_code == 201, response.content
    body = clerk_client.get(URL).json()["orders"]
    assert body["by_status"]["confirmed"] == 1
    assert body["revenue"] == "59.97"


def test_webhook_counts_follow_pending_and_failed_deliveries(clerk_client, settings, monkeypatch):
    monkeypatch.setattr(ssrf.socket, "getaddrinfo", fake_getaddrinfo)
    settings.WEBHOOK_RETRY_SCHEDULE = [0]
    endpoint = create_endpoint(actor=None, url="https://hooks.example.com/hook", events=["order.*"])
    # Inside the test's transaction the first attempt (an on_commit callback) never runs: pending.
    record(actor=None, entity_type="order", entity_id=1, action="create", event_type="order.created", data={"id": 1})
    assert clerk_client.get(URL).json()["webhooks"] == {"pending": 1, "failed": 0}

    with requests_mock.Mocker() as receiver:
        receiver.post(endpoint.url, status_code=500)
        deliver_webhook.apply((WebhookDelivery.objects.get().pk,))
    assert WebhookDelivery.objects.get().status == "failed"
    assert clerk_client.get(URL).json()["webhooks"] == {"pending": 0, "failed": 1}


def test_dashboard_is_a_fixed_number_of_queries(citizen, clerk_client):
    product = _product()

    def add_rows(start: int) -> None:
        for n in range(start, start + 20):
            expedientes_services.create_expediente(actor=citizen, numero=f"Q-{n}", solicitante="X")
            orders_services.create_order(user=citizen, items=[{"product_id": product.pk, "quantity": 1}])

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert clerk_client.get(URL).status_code == 200
        return [query["sql"] for query in captured]

    add_rows(0)
    few = queries()
    add_rows(20)
    more = queries()
    assert len(few) == len(more)
    # The authenticated user, then one statement: the counters the database keeps and, beside them,
    # the open deliveries (they keep no counters: a worker must never wait on one), counted from
    # their table. No counted table is scanned.
    assert len(more) == 2
    assert "core_tally" in more[1]
    assert "events_webhookdelivery" in more[1]
    big_tables = ("expedientes_expediente", "orders_order")
    assert not [sql for sql in more if any(f"FROM {table}" in sql or f'"{table}"' in sql for table in big_tables)]


def test_admin_index_shows_the_same_figures(citizen, clerk):
    product = _product("10.00")
    expedientes_services.create_expediente(actor=citizen, numero="IDX-1", solicitante="Ana")
    order = orders_services.create_order(user=citizen, items=[{"product_id": product.pk, "quantity": 4}])
    orders_services.transition_order(actor=clerk, order_id=order.pk, action="approve")
    client = Client()
    client.force_login(clerk)
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="dashboard-expedientes"' in html
    assert 'data-key="iniciado">1<' in html
    assert 'data-key="approved">1<' in html
    assert 'data-key="revenue">40.00 EUR<' in html
    assert 'data-key="failed">0<' in html


def test_revenue_beyond_fourteen_digits_renders(clerk_client, citizen):
    from orders.models import Order, OrderStatus

    Order.objects.bulk_create(
        Order(user=citizen, status=OrderStatus.CONFIRMED, total=Decimal("9999999999.99")) for _ in range(101)
    )
    response = clerk_client.get("/api/v1/dashboard")
    assert response.status_code == 200, response.content
    assert response.json()["orders"]["revenue"] == "1009999999998.99"
