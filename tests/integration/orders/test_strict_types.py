"""Text fields take JSON strings only: a number is a 422, never stored as its text."""

import pytest

from orders.models import Category, Product

pytestmark = pytest.mark.django_db


def fields_of(response):
    return {error["field"] for error in response.json()["errors"]}


def test_catalog_names_must_be_strings(clerk_client):
    response = clerk_client.post("/api/v1/categories", {"name": 123}, format="json")
    assert response.status_code == 422
    assert fields_of(response) == {"name"}
    assert not Category.objects.exists()
    category = Category.objects.create(name="Libros", slug="libros")
    response = clerk_client.post(
        "/api/v1/products", {"name": 4.5, "category": category.pk, "price": "1.00", "stock": 1}, format="json"
    )
    assert response.status_code == 422
    assert fields_of(response) == {"name"}
    assert not Product.objects.exists()


def test_payment_method_and_address_must_be_strings(citizen_client):
    response = citizen_client.post("/api/v1/checkout", {"payment_method": 7, "shipping_address": 1}, format="json")
    assert response.status_code == 422
    assert fields_of(response) == {"payment_method", "shipping_address"}


def test_webhook_description_must_be_a_string(clerk_client):
    response = clerk_client.post(
        "/api/v1/webhooks/endpoints",
        {"url": "https://93.184.216.34/hook", "events": ["order.*"], "description": 5},
        format="json",
    )
    assert response.status_code == 422
    assert fields_of(response) == {"description"}
