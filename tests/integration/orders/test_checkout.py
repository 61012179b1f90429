"""The purchase journey and checkout's all-or-nothing rules (docs/api-guide.md#checkout)."""

from decimal import Decimal

import pytest

from orders.models import CartItem, Order, Payment, Product
from tests.support.concurrency import run_concurrently


@pytest.fixture
def shop(make_product):
    return make_product(name="Lamp", price=Decimal("12.50"), stock=5), make_product(
        name="Desk", price=Decimal("100.00"), stock=2
    )


def stocks():
    return list(Product.objects.order_by("pk").values_list("stock", flat=True))


@pytest.mark.django_db
def test_purchase_journey_with_visa(api_client, shop, sandbox_provider):
    lamp, desk = shop
    registered = api_client.post(
        "/api/v1/auth/register",
        {"email": "buyer@example.com", "username": "buyer", "password": "S3cure-pass!"},
        format="json",
    )
    assert registered.status_code == 201
    login = api_client.post("/api/v1/auth/login", {"username": "buyer", "password": "S3cure-pass!"}, format="json")
    assert login.status_code == 200
    client = api_client
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access_token']}")
    client.post("/api/v1/cart/items", {"product_id": lamp.pk, "quantity": 2}, format="json")
    client.post("/api/v1/cart/items", {"product_id": desk.pk, "quantity": 1}, format="json")
    response = client.post(
        "/api/v1/checkout", {"payment_method": "pm_card_visa", "shipping_address": "Calle Mayor 1"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["order"]["id"] == body["order_id"]
    assert body["payment"]["status"] == "succeeded"
    order = client.get(f"/api/v1/orders/{body['order_id']}").json()
    assert order["status"] == "confirmed"
    assert order["total"] == "125.00"
    assert order["shipping_address"] == "Calle Mayor 1"
    assert [(p["status"], p["amount"]) for p in order["payments"]] == [("succeeded", "125.00")]
    assert stocks() == [3, 1]
    assert client.get("/api/v1/cart").json()["items"] == []
    assert [call["path"] for call in sandbox_provider.calls] == ["/charges"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "status_code", "code", "provider_calls"),
    [("pm_card_declined", 402, "payment_declined", 1), ("pm_card_error", 502, "upstream_error", 3)],
)
def test_failed_checkout_cancels_releases_and_keeps_cart(
    citizen, citizen_client, fill_cart, shop, sandbox_provider, method, status_code, code, provider_calls
):
    lamp, desk = shop
    fill_cart(citizen, [(lamp, 2), (desk, 1)])
    response = citizen_client.post("/api/v1/checkout", {"payment_method": method}, format="json")
    assert response.status_code == status_code
    body = response.json()
    assert body["code"] == code
    assert body["payment"]["status"] == "failed"
    order = Order.objects.get()
    assert order.status == "cancelled"
    assert body["order_id"] == order.pk
    assert stocks() == [5, 2]
    assert [line["quantity"] for line in citizen_client.get("/api/v1/cart").json()["items"]] == [2, 1]
    assert Payment.objects.get().status == "failed"
    assert len(sandbox_provider.calls) == provider_calls
    assert len({call["idempotency_key"] for call in sandbox_provider.calls}) == 1


@pytest.mark.django_db
def test_provider_pending_answer_is_a_failure(citizen, citizen_client, fill_cart, shop, monkeypatch):
    from orders.payments import sandbox

    original = sandbox._charge

    def pending(body):
        code, data = original(body)
        return code, {**data, "status": "pending"}

    monkeypatch.setattr(sandbox, "_charge", pending)
    fill_cart(citizen, [(shop[0], 1)])
    response = citizen_client.post("/api/v1/checkout", {"payment_method": "pm_card_visa"}, format="json")
    assert response.status_code == 502
    assert Order.objects.get().status == "cancelled"
    assert stocks() == [5, 2]


def test_an_order_cancelled_while_at_the_provider_is_refunded_and_the_cart_kept(
    citizen, citizen_client, fill_cart, shop, monkeypatch
):
    """The charge succeeds, but staff cancelled the order meanwhile: the money goes back, 409."""
    from events.models import AuditEvent
    from orders.payments import sandbox

    original = sandbox._charge

    def cancelled_meanwhile(body):
        Order.objects.update(status="cancelled")
        return original(body)

    monkeypatch.setattr(sandbox, "_charge", cancelled_meanwhile)
    fill_cart(citizen, [(shop[0], 1)])
    response = citizen_client.post("/api/v1/checkout", {"payment_method": "pm_card_visa"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["detail"] == "The order was cancelled while it was being paid; the payment was refunded"
    order = Order.objects.get()
    assert body["order_id"] == order.pk
    payment = Payment.objects.get()
    assert (
        (body["payment"]["id"], body["payment"]["status"]) == (payment.pk, "refunded") == (payment.pk, payment.status)
    )
    assert CartItem.objects.filter(cart__user=citizen).count() == 1
    payment_trail = AuditEvent.objects.filter(entity_type="payment", entity_id=str(payment.pk))
    assert payment_trail.exists()
    assert set(payment_trail.values_list("actor_id", flat=True)) == {citizen.pk}


@pytest.mark.django_db
def test_empty_cart_is_422(citizen_client, sandbox_provider):
    response = citizen_client.post("/api/v1/checkout", {"payment_method": "pm_card_visa"}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "cart", "message": "The cart is empty.", "code": "empty"}]
    assert Order.objects.count() == 0
    assert sandbox_provider.calls == []


@pytest.mark.django_db
def test_checkout_beyond_stock_is_409_and_keeps_cart(citizen, citizen_client, fill_cart, shop, sandbox_provider):
    fill_cart(citizen, [(shop[1], 3)])
    response = citizen_client.post("/api/v1/checkout", {"payment_method": "pm_card_visa"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert Order.objects.count() == 0
    assert CartItem.objects.count() == 1
    assert sandbox_provider.calls == []


@pytest.mark.django_db
def test_missing_payment_method_is_422(citizen, citizen_client, fill_cart, shop):
    fill_cart(citizen, [(shop[0], 1)])
    response = citizen_client.post("/api/v1/checkout", {}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "payment_method"


@pytest.mark.django_db
def test_checkout_retried_with_same_key_replays(citizen, citizen_client, fill_cart, shop, sandbox_provider):
    fill_cart(citizen, [(shop[0], 1)])
    body = {"payment_method": "pm_card_visa"}
    first = citizen_client.post("/api/v1/checkout", body, format="json", HTTP_IDEMPOTENCY_KEY="co-1")
    second = citizen_client.post("/api/v1/checkout", body, format="json", HTTP_IDEMPOTENCY_KEY="co-1")
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1
    assert len(sandbox_provider.calls) == 1


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_checkouts_with_one_key(citizen, client_for, fill_cart, shop, sandbox_provider):
    fill_cart(citizen, [(shop[0], 1)])
    clients = [client_for(citizen) for _ in range(10)]
    body = {"payment_method": "pm_card_visa"}
    responses = run_concurrently(
        [lambda c=c: c.post("/api/v1/checkout", body, format="json", HTTP_IDEMPOTENCY_KEY="co-race") for c in clients]
    )
    assert sorted({r.status_code for r in responses}) in ([201], [201, 409])
    assert all(r.json()["code"] == "idempotency_key_in_use" for r in responses if r.status_code == 409)
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1
    assert len([c for c in sandbox_provider.calls if c["path"] == "/charges"]) == 1
    assert stocks() == [4, 2]
