"""Orders and payments at their edges: actions outside the workflow table, ids no column holds, null payment amounts, a short or cancelled checkout."""

from decimal import Decimal

import pytest

from orders.models import Order, Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(citizen, make_product, place):
    return Order.objects.get(pk=place(citizen, [(make_product(price=Decimal("19.99")), 1)]).json()["id"])


@pytest.mark.parametrize("action", ["frobnicate", "delete", "pay"])
def test_action_outside_the_table_is_409_invalid_transition(citizen_client, clerk_client, order, action):
    for client in (citizen_client, clerk_client):
        response = client.post(f"/api/v1/orders/{order.pk}/{action}")
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "invalid_transition"
        assert body["detail"] == f"Cannot {action} an order: no such action"
        assert body["errors"][0]["field"] == "action"
    assert citizen_client.post(f"/api/v1/orders/{order.pk}/{action}").json()["allowed_transitions"] == [
        "confirm",
        "cancel",
    ]
    order.refresh_from_db()
    assert (order.status, order.version) == ("pending", 1)


def test_unknown_action_on_an_invisible_order_is_404(client_for, other_citizen, order):
    response = client_for(other_citizen).post(f"/api/v1/orders/{order.pk}/frobnicate/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Order not found"
    missing = client_for(other_citizen).post("/api/v1/orders/99999999999999999999/frobnicate")
    assert missing.status_code == 404


def test_null_amount_and_currency_mean_the_orders_own(citizen_client, order):
    response = citizen_client.post(
        "/api/v1/payments",
        {"order_id": order.pk, "payment_method": "pm_card_visa", "amount": None, "currency": None},
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["amount"], response.json()["currency"]) == ("19.99", "EUR")


@pytest.mark.parametrize("order_id", [2**63, 99999999999999999999, 10**30])
def test_order_id_beyond_any_column_is_404(citizen_client, order_id):
    response = citizen_client.post(
        "/api/v1/payments", {"order_id": order_id, "payment_method": "pm_card_visa"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "Order not found"
    assert not Payment.objects.exists()


@pytest.mark.parametrize("order_id", [0, -1, 1.5, "x", None])
def test_order_id_that_is_no_id_is_422(citizen_client, order_id):
    response = citizen_client.post(
        "/api/v1/payments", {"order_id": order_id, "payment_method": "pm_card_visa"}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "order_id"


def test_checkout_short_of_stock_names_the_cart_line(citizen, citizen_client, fill_cart, make_product):
    scarce = make_product(stock=3)
    fill_cart(citizen, [(make_product(), 1), (scarce, 3)])
    scarce.stock = 1
    scarce.save(update_fields=["stock"])
    response = citizen_client.post("/api/v1/checkout", {"payment_method": "pm_card_visa"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert response.json()["errors"][0]["field"] == "cart.items.1.quantity"
    assert not Order.objects.exists()


def test_checkout_order_cancelled_during_the_charge_is_refunded(
    monkeypatch, citizen, citizen_client, clerk, fill_cart, make_product, sandbox_provider
):
    from orders import services as order_services
    from orders.payments import services as payment_services

    lamp = make_product(stock=5)
    fill_cart(citizen, [(lamp, 2)])
    real_charge = payment_services._charge_at_provider

    def charge_while_staff_rejects(payment):
        order_services.transition_order(actor=clerk, order_id=payment.order_id, action="reject")
        return real_charge(payment)

    monkeypatch.setattr(payment_services, "_charge_at_provider", charge_while_staff_rejects)
    response = citizen_client.post("/api/v1/checkout", {"payment_method": "pm_card_visa"}, format="json")
    assert response.status_code == 409
    assert response.json()["payment"]["status"] == "refunded"
    assert Order.objects.get().status == "rejected"
    assert [call["path"] for call in sandbox_provider.calls] == ["/charges", "/refunds"]
    lamp.refresh_from_db()
    assert lamp.stock == 5
    assert citizen_client.get("/api/v1/cart").json()["items"][0]["quantity"] == 2
