from decimal import Decimal

import pytest

from events.models import AuditEvent, Event
from orders.models import Order, Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(citizen, make_product, place):
    product = make_product(price=Decimal("12.50"), stock=10)
    return Order.objects.get(pk=place(citizen, [(product, 2)]).json()["id"])


def pay(client, order, method="pm_card_visa", **extra):
    return client.post("/api/v1/payments", {"order_id": order.pk, "payment_method": method, **extra}, format="json")


def test_successful_payment_confirms_pending_order(citizen_client, order, sandbox_provider):
    response = pay(citizen_client, order, amount="25.00", currency="EUR")
    assert response.status_code == 201
    body = response.json()
    assert body["order_id"] == order.pk
    assert (body["amount"], body["currency"], body["status"], body["provider"]) == ("25.00", "EUR", "succeeded", "fake")
    assert body["transaction_id"].startswith("ch_")
    assert body["failure_reason"] is None
    assert sandbox_provider.calls[0]["body"]["amount"] == 2500
    assert sandbox_provider.calls[0]["body"]["metadata"] == {"payment_id": body["id"], "order_id": order.pk}
    detail = citizen_client.get(f"/api/v1/orders/{order.pk}").json()
    assert detail["status"] == "confirmed"
    assert [p["status"] for p in detail["payments"]] == ["succeeded"]
    assert Event.objects.filter(type="payment.succeeded").count() == 1
    assert Event.objects.filter(type="order.confirmed").count() == 1
    trail = AuditEvent.objects.filter(entity_type="payment", entity_id=str(body["id"])).order_by("id")
    assert trail.count() == 2
    created = trail.first()
    assert (created.action, created.actor_id) == ("create", order.user_id)
    assert created.changes == {"status": [None, "pending"], "amount": [None, "25.00"]}
    assert set(trail.values_list("actor_id", flat=True)) == {order.user_id}


def test_a_payment_in_progress_is_409_and_charges_nothing(citizen_client, order, sandbox_provider):
    Payment.objects.create(
        order=order, amount=order.total, currency="EUR", status="pending", provider="fake", idempotency_key="pay_live"
    )
    response = pay(citizen_client, order)
    assert response.status_code == 409
    assert response.json()["detail"] == "A payment for this order is already in progress"
    assert sandbox_provider.calls == []


def test_declined_payment_is_402_with_the_failed_payment(citizen_client, order):
    response = pay(citizen_client, order, "pm_card_declined")
    assert response.status_code == 402
    body = response.json()
    assert (body["code"], body["detail"]) == ("payment_declined", "The payment was declined")
    assert body["payment"]["status"] == "failed"
    assert body["payment"]["failure_reason"] == "declined"
    order.refresh_from_db()
    assert order.status == "pending"
    assert Event.objects.filter(type="payment.failed").count() == 1
    # A failed attempt does not block another one.
    assert pay(citizen_client, order).status_code == 201


def test_provider_outage_is_502_and_nothing_charged(citizen_client, order, sandbox_provider):
    response = pay(citizen_client, order, "pm_card_error")
    assert response.status_code == 502
    assert response.json()["code"] == "upstream_error"
    assert response.json()["detail"] == "The payment provider failed; nothing was charged"
    assert response.json()["payment"]["status"] == "failed"
    assert len(sandbox_provider.calls) == 3
    assert len({call["idempotency_key"] for call in sandbox_provider.calls}) == 1
    assert Payment.objects.get().status == "failed"


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"amount": "25.01"}, "amount", "Must equal the order's total (25.00)."),
        ({"currency": "USD"}, "currency", "Must equal the order's currency (EUR)."),
    ],
)
def test_amount_or_currency_mismatch_is_422(citizen_client, order, sandbox_provider, extra, field, message):
    response = pay(citizen_client, order, **extra)
    assert response.status_code == 422
    assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["message"]) == (field, message)
    assert Payment.objects.count() == 0
    assert sandbox_provider.calls == []


def test_paying_another_citizens_order_is_404(client_for, other_citizen, order, sandbox_provider):
    response = pay(client_for(other_citizen), order)
    assert response.status_code == 404
    assert response.json()["detail"] == "Order not found"
    assert sandbox_provider.calls == []


def test_already_paid_order_is_409(citizen_client, order):
    assert pay(citizen_client, order).status_code == 201
    again = pay(citizen_client, order)
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["detail"]) == ("conflict", "The order is already paid")
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("status", ["approved", "rejected", "shipped", "delivered", "cancelled"])
def test_only_pending_or_confirmed_orders_can_be_paid(citizen_client, order, status):
    Order.objects.filter(pk=order.pk).update(status=status)
    response = pay(citizen_client, order)
    assert response.status_code == 409
    assert response.json()["detail"] == f"An order that is {status} cannot be paid"
    assert Payment.objects.count() == 0


def test_confirmed_order_can_be_paid_and_stays_confirmed(citizen_client, order):
    citizen_client.post(f"/api/v1/orders/{order.pk}/confirm")
    assert pay(citizen_client, order).status_code == 201
    order.refresh_from_db()
    assert order.status == "confirmed"


def test_payment_listing_and_visibility(citizen_client, clerk_client, client_for, other_citizen, order):
    payment_id = pay(citizen_client, order).json()["id"]
    assert [p["id"] for p in citizen_client.get("/api/v1/payments").json()["data"]] == [payment_id]
    assert citizen_client.get(f"/api/v1/payments/{payment_id}").status_code == 200
    other = client_for(other_citizen)
    assert other.get("/api/v1/payments").json()["data"] == []
    missing = other.get(f"/api/v1/payments/{payment_id}")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Payment not found"
    assert other.post(f"/api/v1/payments/{payment_id}/refund").status_code == 404
    assert clerk_client.get("/api/v1/payments?status=succeeded").json()["total"] == 1


def test_refund_by_staff(citizen_client, clerk_client, order, sandbox_provider):
    payment_id = pay(citizen_client, order).json()["id"]
    assert citizen_client.post(f"/api/v1/payments/{payment_id}/refund").status_code == 403
    response = clerk_client.post(f"/api/v1/payments/{payment_id}/refund")
    assert response.status_code == 200
    assert response.json()["status"] == "refunded"
    assert [call["path"] for call in sandbox_provider.calls].count("/refunds") == 1
    assert Event.objects.filter(type="payment.refunded").count() == 1
    again = clerk_client.post(f"/api/v1/payments/{payment_id}/refund")
    assert again.status_code == 409
    assert [call["path"] for call in sandbox_provider.calls].count("/refunds") == 1


@pytest.mark.parametrize("action", ["reject", "cancel"])
def test_reject_or_cancel_refunds_a_paid_order(citizen_client, clerk_client, order, sandbox_provider, action):
    payment_id = pay(citizen_client, order).json()["id"]
    response = clerk_client.post(f"/api/v1/orders/{order.pk}/{action}")
    assert response.status_code == 200
    assert [p["status"] for p in response.json()["payments"]] == ["refunded"]
    assert Payment.objects.get(pk=payment_id).status == "refunded"


def test_idempotent_payment(citizen_client, order, sandbox_provider):
    body = {"order_id": order.pk, "payment_method": "pm_card_visa"}
    first = citizen_client.post("/api/v1/payments", body, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    second = citizen_client.post("/api/v1/payments", body, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second["Idempotent-Replayed"] == "true"
    assert len(sandbox_provider.calls) == 1


def test_payment_list_query_count(clerk_client, citizen, make_product, place, django_assert_max_num_queries):
    product = make_product(stock=100)
    client = None
    for _ in range(8):
        order_id = place(citizen, [(product, 1)]).json()["id"]
        Payment.objects.create(
            order_id=order_id,
            amount=Decimal("10.00"),
            provider="fake",
            payment_method="x",
            idempotency_key=f"k{order_id}",
        )
    client = clerk_client
    with django_assert_max_num_queries(3) as small:
        assert len(client.get("/api/v1/payments?per_page=2").json()["data"]) == 2
    with django_assert_max_num_queries(3) as large:
        assert len(client.get("/api/v1/payments?per_page=8").json()["data"]) == 8
    assert len(small.captured_queries) == len(large.captured_queries)


def test_an_order_cancelled_while_at_the_provider_gets_its_money_back(citizen, citizen_client, order, monkeypatch):
    """The charge succeeds, but the order was cancelled meanwhile: the payment is refunded at once, by the payer."""
    from orders.payments import sandbox

    original = sandbox._charge

    def cancelled_meanwhile(body):
        Order.objects.filter(pk=order.pk).update(status="cancelled")
        return original(body)

    monkeypatch.setattr(sandbox, "_charge", cancelled_meanwhile)
    response = pay(citizen_client, order)
    assert response.status_code == 201
    payment = Payment.objects.get()
    assert (response.json()["id"], response.json()["status"], payment.status) == (payment.pk, "refunded", "refunded")
    refund = AuditEvent.objects.filter(entity_type="payment", entity_id=str(payment.pk)).latest("id")
    assert (refund.actor_id, refund.changes["status"]) == (citizen.pk, ["succeeded", "refunded"])
