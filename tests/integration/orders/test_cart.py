from decimal import Decimal

import pytest

from orders.models import CartItem

pytestmark = pytest.mark.django_db


def test_empty_cart(citizen_client):
    assert citizen_client.get("/api/v1/cart").json() == {"items": [], "total": "0.00", "currency": "EUR"}


def test_add_merge_patch_delete(citizen_client, make_product):
    lamp = make_product(name="Lamp", price=Decimal("12.50"))
    desk = make_product(name="Desk", price=Decimal("100.00"))
    response = citizen_client.post("/api/v1/cart/items", {"product_id": lamp.pk, "quantity": 1}, format="json")
    assert response.status_code == 201
    citizen_client.post("/api/v1/cart/items/", {"product_id": lamp.pk, "quantity": 2}, format="json")
    citizen_client.post("/api/v1/cart/items", {"product_id": desk.pk, "quantity": 1}, format="json")
    cart = citizen_client.get("/api/v1/cart").json()
    assert cart == {
        "items": [
            {"product_id": lamp.pk, "name": "Lamp", "quantity": 3, "unit_price": "12.50", "line_total": "37.50"},
            {"product_id": desk.pk, "name": "Desk", "quantity": 1, "unit_price": "100.00", "line_total": "100.00"},
        ],
        "total": "137.50",
        "currency": "EUR",
    }
    patched = citizen_client.patch(f"/api/v1/cart/items/{lamp.pk}", {"quantity": 1}, format="json")
    assert patched.status_code == 200
    assert patched.json()["total"] == "112.50"
    assert citizen_client.delete(f"/api/v1/cart/items/{desk.pk}/").status_code == 204
    assert [line["product_id"] for line in citizen_client.get("/api/v1/cart").json()["items"]] == [lamp.pk]


@pytest.mark.parametrize("active", [True, False])
def test_unknown_or_inactive_product_is_422(citizen_client, make_product, active):
    product_id = make_product(active=False).pk if not active else 987654
    response = citizen_client.post("/api/v1/cart/items", {"product_id": product_id, "quantity": 1}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "product_id", "message": "Unknown or inactive product.", "code": "does_not_exist"}
    ]
    assert CartItem.objects.count() == 0


def test_a_line_merges_up_to_the_maximum_and_no_further(
    citizen, citizen_client, make_product, client_for, other_citizen
):
    """Merging adds to the caller's own line only, up to 1,000 units exactly; one more is refused whole."""
    lamp = make_product()
    add = "/api/v1/cart/items"
    client_for(other_citizen).post(add, {"product_id": lamp.pk, "quantity": 5}, format="json")
    citizen_client.post(add, {"product_id": lamp.pk, "quantity": 999}, format="json")
    assert citizen_client.post(add, {"product_id": lamp.pk, "quantity": 1}, format="json").status_code == 201
    refused = citizen_client.post(add, {"product_id": lamp.pk, "quantity": 1}, format="json")
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "quantity", "message": "The line would exceed 1000 units.", "code": "max_value"}
    ]
    quantities = dict(CartItem.objects.values_list("cart__user_id", "quantity"))
    assert quantities == {other_citizen.pk: 5, citizen.pk: 1000}


@pytest.mark.parametrize("quantity", [0, -1, 1001, "x"])
def test_bad_quantity_is_422(citizen_client, make_product, quantity):
    response = citizen_client.post(
        "/api/v1/cart/items", {"product_id": make_product().pk, "quantity": quantity}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "quantity"


def test_item_not_in_cart_is_404(citizen_client, make_product, client_for, other_citizen):
    product = make_product()
    client_for(other_citizen).post("/api/v1/cart/items", {"product_id": product.pk, "quantity": 1}, format="json")
    for response in (
        citizen_client.patch(f"/api/v1/cart/items/{product.pk}", {"quantity": 2}, format="json"),
        citizen_client.delete(f"/api/v1/cart/items/{product.pk}"),
        citizen_client.delete("/api/v1/cart/items/99999999999999999999999"),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == "Cart item not found"
    assert CartItem.objects.get().quantity == 1


def test_cart_needs_authentication(api_client):
    assert api_client.get("/api/v1/cart").status_code == 401
