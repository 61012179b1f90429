from decimal import Decimal

import pytest

from events.models import AuditEvent, Event
from orders.models import Order, OrderStatus, Product
from orders.workflow import TRANSITIONS, Who

pytestmark = pytest.mark.django_db


def test_create_confirm_retrieve(citizen, citizen_client, make_product, place):
    lamp = make_product(name="Lamp", price=Decimal("12.50"), stock=5)
    desk = make_product(name="Desk", price=Decimal("100.00"), stock=5)
    response = place(citizen, [(lamp, 2), (desk, 1)], shipping_address="Calle Mayor 1, Madrid")
    assert response.status_code == 201
    order = response.json()
    assert order["status"] == "pending"
    assert order["user"] == citizen.pk
    assert order["total"] == "125.00"
    assert order["currency"] == "EUR"
    assert order["shipping_address"] == "Calle Mayor 1, Madrid"
    assert order["payments"] == []
    assert order["version"] == 1
    assert response["ETag"] == 'W/"1"'
    assert order["items"] == [
        {"product_id": lamp.pk, "name": "Lamp", "quantity": 2, "unit_price": "12.50", "line_total": "25.00"},
        {"product_id": desk.pk, "name": "Desk", "quantity": 1, "unit_price": "100.00", "line_total": "100.00"},
    ]
    lamp.refresh_from_db()
    assert lamp.stock == 3

    confirmed = citizen_client.post(f"/api/v1/orders/{order['id']}/confirm")
    assert confirmed.status_code == 200
    assert confirmed["ETag"] == 'W/"2"'
    detail = citizen_client.get(f"/api/v1/orders/{order['id']}")
    assert detail.status_code == 200
    assert detail.json()["status"] == "confirmed"
    assert detail["ETag"] == 'W/"2"'


def test_prices_are_captured_at_order_time(citizen, citizen_client, make_product, place):
    product = make_product(name="Old name", price=Decimal("10.00"))
    order_id = place(citizen, [(product, 1)]).json()["id"]
    Product.objects.filter(pk=product.pk).update(name="New name", price=Decimal("99.00"))
    line = citizen_client.get(f"/api/v1/orders/{order_id}").json()["items"][0]
    assert (line["name"], line["unit_price"]) == ("Old name", "10.00")


def test_order_creation_is_audited(citizen, make_product, place):
    order_id = place(citizen, [(make_product(), 1)]).json()["id"]
    audit = AuditEvent.objects.get(entity_type="order", entity_id=str(order_id))
    assert (audit.action, audit.actor_id) == ("create", citizen.pk)
    event = Event.objects.get(type="order.created")
    assert event.data["id"] == order_id
    assert event.data["status"] == "pending"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": []}, "items"),
        ({}, "items"),
        ({"items": [{"product_id": 987654, "quantity": 1}]}, "items.0.product_id"),
        ({"items": [{"product_id": "PRODUCT", "quantity": 0}]}, "items.0.quantity"),
        ({"items": [{"product_id": "PRODUCT", "quantity": 1001}]}, "items.0.quantity"),
        (
            {"items": [{"product_id": "PRODUCT", "quantity": 1}, {"product_id": 987654, "quantity": 1}]},
            "items.1.product_id",
        ),
        ({"items": [{"product_id": "INACTIVE", "quantity": 1}]}, "items.0.product_id"),
        ({"items": [{"product_id": "PRODUCT", "quantity": 1}], "shipping_address": "x" * 501}, "shipping_address"),
    ],
)
def test_invalid_orders_are_422_and_write_nothing(citizen_client, make_product, body, field):
    product = make_product(stock=5)
    inactive = make_product(active=False)
    for item in body.get("items", []):
        item["product_id"] = {"PRODUCT": product.pk, "INACTIVE": inactive.pk}.get(
            item["product_id"], item["product_id"]
        )
    response = citizen_client.post("/api/v1/orders", body, format="json")
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert Order.objects.count() == 0
    assert AuditEvent.objects.filter(entity_type="order").count() == 0
    product.refresh_from_db()
    assert product.stock == 5


def test_insufficient_stock_is_409_and_writes_nothing(citizen, make_product, place):
    plenty = make_product(stock=10)
    scarce = make_product(stock=1)
    response = place(citizen, [(plenty, 3), (scarce, 2)])
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert Order.objects.count() == 0
    plenty.refresh_from_db()
    assert plenty.stock == 10


def _order_in(status, user, product):
    order = Order.objects.create(user=user, status=status, total=product.price, currency="EUR")
    order.items.create(
        product=product, name=product.name, quantity=1, unit_price=product.price, line_total=product.price
    )
    return order


WORKFLOW_CASES = [
    (status.value, action, step.target if status in step.sources else None)
    for status in OrderStatus
    for action, step in TRANSITIONS.items()
]


@pytest.mark.parametrize(("initial", "action", "expected"), WORKFLOW_CASES)
def test_workflow_table_for_staff(clerk, citizen, client_for, make_product, initial, action, expected):
    product = make_product(stock=5)
    order = _order_in(initial, citizen, product)
    response = client_for(clerk).post(f"/api/v1/orders/{order.pk}/{action}")
    order.refresh_from_db()
    if expected is None:
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "invalid_transition"
        assert body["detail"] == f"Cannot {action} an order that is {initial}"
        assert body["errors"][0]["field"] == "action"
        # What a clerk may do from here: staff may take every step of the table.
        assert body["allowed_transitions"] == [name for name, step in TRANSITIONS.items() if initial in step.sources]
        assert order.status == initial
        assert order.version == 1
    else:
        assert response.status_code == 200, response.content
        assert response.json()["status"] == expected
        assert order.status == expected
        assert order.version == 2
        event = Event.objects.get(type=f"order.{expected}")
        assert (event.data["from"], event.data["to"]) == (initial, expected)
        audit = AuditEvent.objects.get(entity_type="order", action="transition")
        assert audit.changes == {"status": [initial, expected]}
        assert audit.actor_id == clerk.pk


@pytest.mark.parametrize(
    ("initial", "action", "expected"),
    [
        ("pending", "approve", "approved"),
        ("pending", "reject", "rejected"),
        ("approved", "ship", "shipped"),
        ("shipped", "deliver", "delivered"),
    ],
)
def test_seed_workflow_table(clerk_client, citizen, make_product, initial, action, expected):
    order = _order_in(initial, citizen, make_product())
    response = clerk_client.post(f"/api/v1/orders/{order.pk}/{action}/")
    assert response.status_code == 200
    assert response.json()["status"] == expected


@pytest.mark.parametrize("action", [action for action, step in TRANSITIONS.items() if step.who is Who.STAFF])
def test_staff_only_actions_by_owner_are_403(citizen, citizen_client, make_product, action):
    order = _order_in("pending", citizen, make_product())
    if action in ("ship",):
        order.status = "approved"
        order.save()
    if action == "deliver":
        order.status = "shipped"
        order.save()
    response = citizen_client.post(f"/api/v1/orders/{order.pk}/{action}")
    assert response.status_code == 403
    assert response.json()["detail"] == f"Only staff may {action} an order."
    order.refresh_from_db()
    assert order.version == 1


@pytest.mark.parametrize("action", ["confirm", "cancel"])
def test_owner_may_confirm_and_cancel(citizen, citizen_client, make_product, action):
    order = _order_in("pending", citizen, make_product())
    assert citizen_client.post(f"/api/v1/orders/{order.pk}/{action}").status_code == 200


@pytest.mark.parametrize("action", ["reject", "cancel"])
def test_reject_and_cancel_release_stock(citizen, clerk_client, make_product, place, action):
    product = make_product(stock=3)
    order_id = place(citizen, [(product, 2)]).json()["id"]
    product.refresh_from_db()
    assert product.stock == 1
    reserved_version = product.version
    assert clerk_client.post(f"/api/v1/orders/{order_id}/{action}").status_code == 200
    product.refresh_from_db()
    assert product.stock == 3
    assert product.version == reserved_version + 1  # a stock change is a new version of the product


def test_transition_honours_if_match(citizen, citizen_client, make_product):
    order = _order_in("pending", citizen, make_product())
    stale = citizen_client.post(f"/api/v1/orders/{order.pk}/confirm", HTTP_IF_MATCH='W/"7"')
    assert stale.status_code == 412
    fresh = citizen_client.post(f"/api/v1/orders/{order.pk}/confirm", HTTP_IF_MATCH='W/"1"')
    assert fresh.status_code == 200


def test_citizen_never_sees_another_citizens_orders(citizen, other_citizen, client_for, make_product, place):
    mine = place(citizen, [(make_product(), 1)]).json()["id"]
    theirs = place(other_citizen, [(make_product(), 1)]).json()["id"]
    client = client_for(citizen)
    assert [row["id"] for row in client.get("/api/v1/orders").json()["data"]] == [mine]
    for response in (
        client.get(f"/api/v1/orders/{theirs}"),
        client.post(f"/api/v1/orders/{theirs}/cancel"),
        client.post(f"/api/v1/orders/{theirs}/approve"),
        client.get("/api/v1/orders/99999999999999999999999"),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == "Order not found"
    filtered = client.get(f"/api/v1/orders?user={other_citizen.pk}")
    assert filtered.status_code == 200
    assert filtered.json()["data"] == []
    assert Order.objects.get(pk=theirs).status == "pending"


def test_staff_sees_all_and_filters(clerk_client, citizen, other_citizen, make_product, place):
    first = place(citizen, [(make_product(), 1)]).json()["id"]
    second = place(other_citizen, [(make_product(), 1)]).json()["id"]
    clerk_client.post(f"/api/v1/orders/{second}/confirm")
    assert clerk_client.get("/api/v1/orders").json()["total"] == 2
    assert [o["id"] for o in clerk_client.get(f"/api/v1/orders?user={citizen.pk}").json()["data"]] == [first]
    assert [o["id"] for o in clerk_client.get("/api/v1/orders?status=confirmed").json()["data"]] == [second]
    assert clerk_client.get("/api/v1/orders?status=bogus").status_code == 422
    assert clerk_client.get("/api/v1/orders?created_after=2000-01-01T00:00:00Z").json()["total"] == 2
    assert clerk_client.get("/api/v1/orders?created_before=2000-01-01T00:00:00Z").json()["total"] == 0


def test_order_list_query_count_does_not_grow(
    clerk_client, citizen, make_product, place, django_assert_max_num_queries
):
    products = [make_product(stock=100) for _ in range(3)]
    for _ in range(12):
        assert place(citizen, [(p, 1) for p in products]).status_code == 201
    with django_assert_max_num_queries(5) as small:
        assert len(clerk_client.get("/api/v1/orders?per_page=2").json()["data"]) == 2
    with django_assert_max_num_queries(5) as large:
        assert len(clerk_client.get("/api/v1/orders?per_page=12").json()["data"]) == 12
    assert len(small.captured_queries) == len(large.captured_queries)
