"""POST /payments against an HTTP provider (requests-mock): retries end to end, one payment row."""

from decimal import Decimal

import pytest

from orders.models import Order, Payment

pytestmark = pytest.mark.django_db

URL = "https://provider.example.test"


@pytest.fixture
def http_provider(settings):
    settings.PAYMENT_PROVIDER = "http"
    settings.PAYMENT_PROVIDER_URL = URL
    settings.PAYMENT_PROVIDER_API_KEY = "sk_test"
    settings.PAYMENT_PROVIDER_BACKOFF_SECONDS = 0


@pytest.fixture
def order(citizen, make_product, place):
    return Order.objects.get(pk=place(citizen, [(make_product(price=Decimal("12.50")), 1)]).json()["id"])


def answer(status="completed", amount=1250, currency="EUR"):
    return {"json": {"id": "ch_42", "status": status, "amount": amount, "currency": currency}, "status_code": 200}


def test_503_503_then_success_is_one_payment(http_provider, requests_mock, citizen_client, order):
    requests_mock.post(f"{URL}/charges", [{"status_code": 503}, {"status_code": 503}, answer()])
    response = citizen_client.post("/api/v1/payments", {"order_id": order.pk, "payment_method": "tok"}, format="json")
    assert response.status_code == 201
    assert response.json()["transaction_id"] == "ch_42"
    assert requests_mock.call_count == 3
    keys = {request.headers["Idempotency-Key"] for request in requests_mock.request_history}
    assert keys == {Payment.objects.get().idempotency_key}
    assert Payment.objects.count() == 1


def test_503_every_time_is_502_and_failed_payment(http_provider, requests_mock, citizen_client, order):
    requests_mock.post(f"{URL}/charges", status_code=503)
    response = citizen_client.post("/api/v1/payments", {"order_id": order.pk, "payment_method": "tok"}, format="json")
    assert response.status_code == 502
    assert requests_mock.call_count == 3
    assert Payment.objects.get().status == "failed"
    order.refresh_from_db()
    assert order.status == "pending"


@pytest.mark.parametrize(
    "reply",
    [
        answer(status="weird"),
        answer(amount="1250"),
        answer(currency="USD"),
        answer(amount=1),
        {"status_code": 400, "json": {}},
    ],
)
def test_contract_breaks_and_4xx_are_502_never_success(http_provider, requests_mock, citizen_client, order, reply):
    requests_mock.post(f"{URL}/charges", [reply])
    response = citizen_client.post("/api/v1/payments", {"order_id": order.pk, "payment_method": "tok"}, format="json")
    assert response.status_code == 502
    assert response.json()["payment"]["status"] == "failed"
    assert requests_mock.call_count == 1
    order.refresh_from_db()
    assert order.status == "pending"


def test_refund_calls_provider_once(http_provider, requests_mock, citizen_client, clerk_client, order):
    requests_mock.post(f"{URL}/charges", [answer()])
    refunds = requests_mock.post(f"{URL}/refunds", json={"id": "re_1", "status": "completed"})
    payment_id = citizen_client.post(
        "/api/v1/payments", {"order_id": order.pk, "payment_method": "tok"}, format="json"
    ).json()["id"]
    response = clerk_client.post(f"/api/v1/payments/{payment_id}/refund")
    assert response.status_code == 200
    assert response.json()["status"] == "refunded"
    assert refunds.call_count == 1
    assert refunds.last_request.json() == {"charge": "ch_42", "amount": 1250}
