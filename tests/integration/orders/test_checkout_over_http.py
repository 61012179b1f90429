"""Checkout and payments against a real HTTP provider on a local socket (tests/support/provider.py).

The provider is a small ``http.server`` in a thread with scripted answers, so these tests cover
what requests-mock cannot: the bytes on the wire (API key, idempotency key, URL joining), real
read timeouts, and the checkout's all-or-nothing outcome for every way the provider can fail.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest

from orders.models import CartItem, Order, Payment, Product
from tests.support.provider import FakeProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings):
    fake = FakeProvider()
    settings.PAYMENT_PROVIDER = "http"
    settings.PAYMENT_PROVIDER_URL = fake.url + "/"
    settings.PAYMENT_PROVIDER_API_KEY = "sk_test_contract"
    settings.PAYMENT_PROVIDER_BACKOFF_SECONDS = 0.01
    # Generous, so a prompt answer is never cut off on a loaded machine; the tests of a "slow" answer shorten it.
    settings.PAYMENT_PROVIDER_READ_TIMEOUT = 5.0
    yield fake
    fake.close()


@pytest.fixture
def lamp(make_product):
    return make_product(name="Lamp", price=Decimal("12.50"), stock=5)


def stock(product) -> int:
    return Product.objects.get(pk=product.pk).stock


def checkout(client):
    return client.post("/api/v1/checkout", {"payment_method": "tok_visa"}, format="json")


def test_successful_checkout_over_http(citizen, citizen_client, fill_cart, lamp, provider):
    fill_cart(citizen, [(lamp, 2)])
    response = checkout(citizen_client)
    assert response.status_code == 201
    assert response.json()["order"]["status"] == "confirmed"
    assert response.json()["payment"]["transaction_id"] == "ch_1"
    (call,) = provider.charges()
    assert call["path"] == "/charges"  # trailing slash of the configured URL not doubled
    assert call["headers"]["Authorization"] == "Bearer sk_test_contract"
    assert call["headers"]["Idempotency-Key"] == Payment.objects.get().idempotency_key
    assert call["body"]["amount"] == 2500
    assert call["body"]["currency"] == "EUR"
    assert call["body"]["source"] == "tok_visa"
    assert stock(lamp) == 3
    assert not CartItem.objects.exists()


def test_url_with_a_path_and_no_trailing_slash(settings, citizen, citizen_client, fill_cart, lamp, provider):
    settings.PAYMENT_PROVIDER_URL = provider.url + "/v1"
    fill_cart(citizen, [(lamp, 1)])
    assert checkout(citizen_client).status_code == 201
    assert [call["path"] for call in provider.calls] == ["/v1/charges"]


def test_503_then_success_is_one_payment_three_calls_one_key(citizen, citizen_client, fill_cart, lamp, provider):
    provider.script["charges"] = ["503", "502", "ok"]
    fill_cart(citizen, [(lamp, 1)])
    assert checkout(citizen_client).status_code == 201
    assert len(provider.charges()) == 3
    assert len({call["headers"]["Idempotency-Key"] for call in provider.charges()}) == 1
    assert Payment.objects.get().status == "succeeded"


def test_read_timeout_is_retried(settings, citizen, citizen_client, fill_cart, lamp, provider):
    settings.PAYMENT_PROVIDER_READ_TIMEOUT = 1.0  # the prompt second answer must still arrive within it
    provider.script["charges"] = ["slow", "ok"]
    fill_cart(citizen, [(lamp, 1)])
    assert checkout(citizen_client).status_code == 201
    assert len(provider.charges()) == 2


def test_retry_after_of_an_hour_does_not_hold_the_request(settings, citizen, citizen_client, fill_cart, lamp, provider):
    settings.PAYMENT_PROVIDER_MAX_RETRY_DELAY = 0.2
    provider.script["charges"] = ["503-retry-after-hour"]
    fill_cart(citizen, [(lamp, 1)])
    started = time.monotonic()
    response = checkout(citizen_client)
    assert response.status_code == 502
    assert time.monotonic() - started < 5
    assert len(provider.charges()) == 3


@pytest.mark.parametrize(
    ("script", "status_code", "code", "calls"),
    [
        (["declined"], 402, "payment_declined", 1),
        (["pending"], 502, "upstream_error", 1),
        (["503"], 502, "upstream_error", 3),
        (["slow"], 502, "upstream_error", 3),
        (["400"], 502, "upstream_error", 1),
        (["401"], 502, "upstream_error", 1),
        (["500"], 502, "upstream_error", 1),
        (["weird"], 502, "upstream_error", 1),
        (["string-amount"], 502, "upstream_error", 1),
        (["other-amount"], 502, "upstream_error", 1),
        (["other-currency"], 502, "upstream_error", 1),
    ],
)
def test_failed_checkout_is_all_or_nothing(
    settings, citizen, citizen_client, fill_cart, lamp, provider, script, status_code, code, calls
):
    if set(script) == {"slow"}:
        settings.PAYMENT_PROVIDER_READ_TIMEOUT = 0.25  # every attempt times out, whatever the machine's load
    provider.script["charges"] = script
    fill_cart(citizen, [(lamp, 2)])
    response = checkout(citizen_client)
    assert response.status_code == status_code
    body = response.json()
    assert body["code"] == code
    assert body["payment"]["status"] == "failed"
    assert "127.0.0.1" not in response.content.decode()  # no provider address in the answer
    assert len(provider.charges()) == calls
    order = Order.objects.get(pk=body["payment"]["order_id"])
    assert order.status == "cancelled"
    assert stock(lamp) == 5
    assert list(CartItem.objects.values_list("product_id", "quantity")) == [(lamp.pk, 2)]


def test_unexpected_client_failure_still_settles_the_checkout(
    monkeypatch, citizen, citizen_client, fill_cart, lamp, provider
):
    from orders.payments import provider as provider_module

    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("bug in the client")

    monkeypatch.setattr(provider_module.PaymentProviderClient, "charge", explode)
    fill_cart(citizen, [(lamp, 1)])
    response = checkout(citizen_client)
    assert response.status_code == 502
    assert response.json()["payment"]["status"] == "failed"
    assert Order.objects.get().status == "cancelled"
    assert stock(lamp) == 5
    assert CartItem.objects.count() == 1


@pytest.mark.parametrize("action", ["cancel", "reject"])
def test_cancel_or_reject_of_a_paid_order_refunds_over_http(
    citizen, citizen_client, clerk_client, fill_cart, lamp, provider, action
):
    fill_cart(citizen, [(lamp, 1)])
    order_id = checkout(citizen_client).json()["order_id"]
    client = citizen_client if action == "cancel" else clerk_client
    response = client.post(f"/api/v1/orders/{order_id}/{action}")
    assert response.status_code == 200
    assert [payment["status"] for payment in response.json()["payments"]] == ["refunded"]
    refund = provider.calls[-1]
    assert refund["path"] == "/refunds"
    assert refund["body"] == {"charge": "ch_1", "amount": 1250}
    assert refund["headers"]["Authorization"] == "Bearer sk_test_contract"
    assert stock(lamp) == 5


def test_refund_refused_by_the_provider_is_502_and_payment_stays(
    citizen, citizen_client, clerk_client, fill_cart, lamp, provider
):
    fill_cart(citizen, [(lamp, 1)])
    payment_id = checkout(citizen_client).json()["payment"]["id"]
    provider.script["refunds"] = ["400"]
    response = clerk_client.post(f"/api/v1/payments/{payment_id}/refund")
    assert response.status_code == 502
    assert response.json()["code"] == "upstream_error"
    assert Payment.objects.get().status == "succeeded"
    assert len([call for call in provider.calls if call["path"] == "/refunds"]) == 1
