"""Stock under real concurrency: threads, each with its own connection, against PostgreSQL."""

import pytest

from orders.models import Order, Product
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_buyers_five_units_no_oversell(make_user, client_for, make_product):
    product = make_product(stock=5)
    buyers = [client_for(make_user("citizen")) for _ in range(20)]
    body = {"items": [{"product_id": product.pk, "quantity": 1}]}
    responses = run_concurrently([lambda c=c: c.post("/api/v1/orders", body, format="json") for c in buyers])
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 5
    assert statuses.count(409) == 15
    assert all(r.json()["code"] == "insufficient_stock" for r in responses if r.status_code == 409)
    product.refresh_from_db()
    assert product.stock == 0
    assert Order.objects.count() == 5

    winner = next(r for r in responses if r.status_code == 201)
    owner_client = buyers[responses.index(winner)]
    assert owner_client.post(f"/api/v1/orders/{winner.json()['id']}/cancel").status_code == 200
    product.refresh_from_db()
    assert product.stock == 1


def test_opposite_item_order_does_not_deadlock(make_user, client_for, make_product):
    first, second = make_product(stock=100), make_product(stock=100)
    clients = [client_for(make_user("citizen")) for _ in range(10)]
    forward = {"items": [{"product_id": first.pk, "quantity": 1}, {"product_id": second.pk, "quantity": 1}]}
    backward = {"items": [{"product_id": second.pk, "quantity": 1}, {"product_id": first.pk, "quantity": 1}]}
    calls = [
        lambda c=c, body=(forward if i % 2 else backward): c.post("/api/v1/orders", body, format="json")
        for i, c in enumerate(clients)
    ]
    responses = run_concurrently(calls)
    assert [r.status_code for r in responses] == [201] * 10
    assert list(Product.objects.order_by("pk").values_list("stock", flat=True)) == [90, 90]


def test_concurrent_conflicting_transitions_one_wins(citizen, clerk, client_for, make_product):
    product = make_product(stock=5)
    order_id = (
        client_for(citizen)
        .post("/api/v1/orders", {"items": [{"product_id": product.pk, "quantity": 2}]}, format="json")
        .json()["id"]
    )
    staff = client_for(clerk)
    owner = client_for(citizen)
    responses = run_concurrently(
        [
            lambda: staff.post(f"/api/v1/orders/{order_id}/reject"),
            lambda: owner.post(f"/api/v1/orders/{order_id}/cancel"),
        ]
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    product.refresh_from_db()
    # Released exactly once.
    assert product.stock == 5
