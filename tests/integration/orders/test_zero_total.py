"""An order whose total is 0.00 has nothing to charge: 409, not a provider failure (502).

Found by Schemathesis: a clerk may price a product at 0.00, and the provider refuses a charge of
0 minor units, which came back as "the payment provider failed".
"""

import pytest

from orders.models import CartItem, Order, Payment, Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def free_product():
    return Product.objects.create(name="Folleto", price="0.00", stock=10)


def test_paying_a_zero_total_order_is_a_conflict(citizen_client, free_product):
    order = citizen_client.post(
        "/api/v1/orders", {"items": [{"product_id": free_product.pk, "quantity": 1}]}, format="json"
    ).json()
    response = citizen_client.post(
        "/api/v1/payments", {"order_id": order["id"], "payment_method": "pm_card_visa"}, format="json"
    )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "conflict"
    assert not Payment.objects.exists()


def test_checking_out_a_zero_total_cart_is_a_conflict_and_keeps_the_cart(citizen_client, free_product):
    assert (
        citizen_client.post(
            "/api/v1/cart/items", {"product_id": free_product.pk, "quantity": 2}, format="json"
        ).status_code
        == 201
    )
    response = citizen_client.post("/api/v1/checkout", {"payment_method": "pm_card_visa"}, format="json")
    assert response.status_code == 409, response.json()
    assert not Order.objects.exists()
    assert not Payment.objects.exists()
    assert CartItem.objects.get().quantity == 2
    assert Product.objects.get().stock == 10
