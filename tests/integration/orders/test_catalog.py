from decimal import Decimal

import pytest

from events.models import AuditEvent
from orders.models import Category, Product

pytestmark = pytest.mark.django_db


def test_catalog_reads_are_public(api_client, make_product, make_category):
    category = make_category()
    product = make_product(category=category, price=Decimal("99.99"))
    body = api_client.get("/api/v1/products").json()
    assert body["total"] == 1
    assert body["data"][0] == {
        "id": product.pk,
        "name": product.name,
        "category": category.pk,
        "price": "99.99",
        "currency": "EUR",
        "stock": 10,
        "active": True,
    }
    response = api_client.get(f"/api/v1/products/{product.pk}/")
    assert response.status_code == 200
    assert response["ETag"] == 'W/"1"'
    categories = api_client.get("/api/v1/categories").json()
    assert categories["data"] == [{"id": category.pk, "name": category.name, "slug": category.slug}]


def test_catalog_writes_are_staff_only(api_client, citizen_client, clerk_client, make_category):
    body = {"name": "Lamp", "price": "12.50", "stock": 3}
    assert api_client.post("/api/v1/products", body, format="json").status_code == 401
    assert citizen_client.post("/api/v1/products", body, format="json").status_code == 403
    assert citizen_client.post("/api/v1/categories", {"name": "X"}, format="json").status_code == 403
    response = clerk_client.post("/api/v1/products", body, format="json")
    assert response.status_code == 201
    assert response.json()["price"] == "12.50"
    assert response.json()["currency"] == "EUR"
    assert response["ETag"] == 'W/"1"'
    audit = AuditEvent.objects.get(entity_type="product", action="create")
    assert audit.entity_id == str(response.json()["id"])


def test_category_slug_is_derived_and_name_unique(clerk_client):
    response = clerk_client.post("/api/v1/categories", {"name": "Oficina Técnica"}, format="json")
    assert response.status_code == 201
    assert response.json()["slug"] == "oficina-tecnica"
    clash = clerk_client.post("/api/v1/categories", {"name": "oficina técnica"}, format="json")
    assert clash.status_code == 409
    assert clash.json()["code"] == "conflict"
    assert clash.json()["errors"][0]["field"] == "name"
    assert Category.objects.count() == 1


@pytest.mark.parametrize(("body", "field"), [({"name": "TAKEN"}, "name"), ({"slug": "taken"}, "slug")])
def test_category_update_to_another_ones_name_or_slug_is_409(clerk_client, make_category, body, field):
    make_category(name="Taken", slug="taken")
    category = make_category(name="Free", slug="free")
    response = clerk_client.patch(f"/api/v1/categories/{category.pk}", body, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == field
    category.refresh_from_db()
    assert (category.name, category.slug, category.version) == ("Free", "free", 1)


def test_category_update_is_audited_and_honours_if_match(clerk, clerk_client, make_category):
    category = make_category(name="Old", slug="old")
    url = f"/api/v1/categories/{category.pk}"
    # Its own name in other letters is no clash with itself.
    response = clerk_client.patch(url, {"name": "OLD"}, format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200
    entry = AuditEvent.objects.filter(entity_type="category", action="update").get()
    assert (entry.actor_id, entry.entity_id) == (clerk.pk, str(category.pk))
    assert entry.changes == {"name": ["Old", "OLD"]}
    stale = clerk_client.patch(url, {"name": "Newer"}, format="json", HTTP_IF_MATCH='W/"1"')
    assert stale.status_code == 412
    unchanged = clerk_client.patch(url, {"name": "OLD"}, format="json")
    assert unchanged.status_code == 200
    assert AuditEvent.objects.filter(entity_type="category", action="update").count() == 1


def test_product_update_bumps_version_and_honours_if_match(clerk_client, make_product):
    product = make_product()
    url = f"/api/v1/products/{product.pk}"
    response = clerk_client.patch(url, {"price": "11.00"}, format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200
    assert response.json()["price"] == "11.00"
    assert response["ETag"] == 'W/"2"'
    stale = clerk_client.patch(url, {"price": "12.00"}, format="json", HTTP_IF_MATCH='W/"1"')
    assert stale.status_code == 412
    product.refresh_from_db()
    assert product.price == Decimal("11.00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "price": "-1.00"}, "price"),
        ({"name": "X", "price": "1.001"}, "price"),
        ({"name": "X", "price": "1.00", "stock": -1}, "stock"),
        ({"name": "X", "price": "1.00", "currency": "euro"}, "currency"),
        ({"name": "X" * 201, "price": "1.00"}, "name"),
        ({"name": "X", "price": "1.00", "category": 999999}, "category"),
    ],
)
def test_invalid_product_is_422(clerk_client, body, field):
    response = clerk_client.post("/api/v1/products", body, format="json")
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert Product.objects.count() == 0


def _assert_only_the_unused_one_deletes(clerk_client, collection, used, unused, detail):
    """Deleting ``used`` is ``409 has_dependents`` naming why, and keeps its row; deleting ``unused`` is a 204."""
    response = clerk_client.delete(f"/api/v1/{collection}/{used.pk}")
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["detail"]) == ("has_dependents", detail)
    assert type(used).objects.filter(pk=used.pk).exists()
    assert clerk_client.delete(f"/api/v1/{collection}/{unused.pk}").status_code == 204


def test_category_with_products_has_dependents(clerk_client, make_category, make_product):
    category = make_category()
    make_product(category=category)
    _assert_only_the_unused_one_deletes(
        clerk_client, "categories", category, unused=make_category(), detail="The category still has products"
    )


def test_a_catalog_delete_is_audited_and_honours_if_match(clerk, clerk_client, make_category):
    category = make_category(name="Gone", slug="gone")
    url = f"/api/v1/categories/{category.pk}"
    assert clerk_client.delete(url, HTTP_IF_MATCH='W/"7"').status_code == 412
    assert Category.objects.filter(pk=category.pk).exists()
    assert clerk_client.delete(url, HTTP_IF_MATCH='W/"1"').status_code == 204
    entry = AuditEvent.objects.get(entity_type="category", action="delete")
    assert (entry.actor_id, entry.entity_id) == (clerk.pk, str(category.pk))
    assert entry.changes == {"name": ["Gone", None], "slug": ["gone", None]}


@pytest.mark.parametrize("field", ["name", "slug"])
def test_a_racing_twin_category_is_the_same_409_as_the_check(make_category, field):
    """The insert that loses a race to a twin fails on the constraint: the answer names the same field."""
    from django.db import IntegrityError, transaction

    from orders.services.catalog import _category_integrity_conflict

    make_category(name="Twin", slug="twin")
    twin = {"name": "Twin", "slug": "other"} if field == "name" else {"name": "Other", "slug": "twin"}
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Category.objects.create(**twin)
    conflict = _category_integrity_conflict(raised.value)
    message = f"A category with this {field} already exists."
    assert conflict.detail == f"{field}: {message}"
    assert conflict.errors == [{"field": field, "message": message, "code": "unique"}]


def test_product_in_an_order_has_dependents(clerk_client, make_product, place, citizen):
    product = make_product()
    assert place(citizen, [(product, 1)]).status_code == 201
    unsold = make_product()
    _assert_only_the_unused_one_deletes(
        clerk_client, "products", product, unused=unsold, detail="The product appears in orders"
    )
    assert clerk_client.get(f"/api/v1/products/{unsold.pk}").status_code == 404


def test_pagination_with_25_products(api_client, make_product):
    for _ in range(25):
        make_product()
    first = api_client.get("/api/v1/products?page=1&per_page=10").json()
    assert (len(first["data"]), first["total"], first["has_next"]) == (10, 25, True)
    last = api_client.get("/api/v1/products?page=3&per_page=10").json()
    assert (len(last["data"]), last["has_next"]) == (5, False)


def test_product_filters(api_client, make_product, make_category):
    tools = make_category()
    make_product(name="Martillo pequeño", price=Decimal("5.00"), category=tools)
    make_product(name="Martillo grande", price=Decimal("10.00"), category=tools)
    make_product(name="Lámpara", price=Decimal("20.00"), active=False)

    def names(query):
        response = api_client.get(f"/api/v1/products?{query}")
        assert response.status_code == 200, response.content
        return sorted(row["name"] for row in response.json()["data"])

    assert names(f"category={tools.pk}") == ["Martillo grande", "Martillo pequeño"]
    assert names("active=false") == ["Lámpara"]
    assert names("search=lampara") == ["Lámpara"]
    assert names("search=MARTILLO  pequeno") == ["Martillo pequeño"]
    assert names("min_price=10.00&max_price=20") == ["Lámpara", "Martillo grande"]
    assert names("max_price=5") == ["Martillo pequeño"]
    ordered = api_client.get("/api/v1/products?ordering=-price").json()["data"]
    assert [row["price"] for row in ordered] == ["20.00", "10.00", "5.00"]
    assert api_client.get("/api/v1/products?ordering=stock").status_code == 422
    assert api_client.get("/api/v1/products?min_price=abc").status_code == 422


def test_product_list_query_count_does_not_grow_with_page_size(api_client, make_product, django_assert_max_num_queries):
    for _ in range(30):
        make_product()
    with django_assert_max_num_queries(2):
        small = api_client.get("/api/v1/products?per_page=5")
    with django_assert_max_num_queries(2):
        large = api_client.get("/api/v1/products?per_page=30")
    assert len(small.json()["data"]) == 5
    assert len(large.json()["data"]) == 30
