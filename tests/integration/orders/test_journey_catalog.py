"""Catalog steps of the shop journey, as a client sees them: a duplicate is a conflict, like every other
unique value of the contract (user email/username, expediente numero), named in ``errors``."""

from __future__ import annotations

import pytest

from events.models import AuditEvent
from orders.models import Category


@pytest.mark.parametrize("clash", ["Libros", "libros", " LIBROS "])
def test_duplicate_category_name_is_409_conflict_on_name(clerk_client, make_category, clash):
    make_category(name="Libros", slug="libros")
    response = clerk_client.post("/api/v1/categories", {"name": clash}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert [error["field"] for error in body["errors"]] == ["name"]
    assert Category.objects.count() == 1
    assert not AuditEvent.objects.filter(entity_type="category", action="create").exists()


def test_duplicate_category_slug_is_409_conflict_on_slug(clerk_client, make_category):
    make_category(name="Libros", slug="libros")
    response = clerk_client.post("/api/v1/categories", {"name": "Otros", "slug": "libros"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert [error["field"] for error in response.json()["errors"]] == ["slug"]
    assert Category.objects.count() == 1


def test_renaming_a_category_onto_another_is_409_and_changes_nothing(clerk_client, make_category):
    make_category(name="Libros", slug="libros")
    other = make_category(name="Papel", slug="papel")
    response = clerk_client.patch(f"/api/v1/categories/{other.pk}", {"name": "LIBROS"}, format="json")
    assert response.status_code == 409
    assert [error["field"] for error in response.json()["errors"]] == ["name"]
    other.refresh_from_db()
    assert (other.name, other.version) == ("Papel", 1)
    # Keeping one's own name (any case) is not a clash.
    response = clerk_client.patch(f"/api/v1/categories/{other.pk}", {"name": "papel"}, format="json")
    assert response.status_code == 200


def test_invalid_and_duplicate_category_reports_the_validation_first(clerk_client, make_category):
    make_category(name="Libros", slug="libros")
    response = clerk_client.post("/api/v1/categories", {"name": "Libros", "slug": "not a slug!"}, format="json")
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["slug"]


@pytest.mark.parametrize(
    ("data", "field"),
    [({"name": "LIBROS", "slug": "otros"}, "name"), ({"name": "Otros", "slug": "libros"}, "slug")],
)
def test_a_clash_that_slips_past_the_check_is_still_409_on_the_right_field(
    make_category, clerk, monkeypatch, data, field
):
    # What a concurrent writer taking the value between the check and the insert looks like.
    from core.exceptions import Conflict
    from orders import services

    make_category(name="Libros", slug="libros")
    monkeypatch.setattr(services.catalog, "_category_clash", lambda **kwargs: None)
    with pytest.raises(Conflict) as raised:
        services.create_category(actor=clerk, fields=data)
    assert [error["field"] for error in raised.value.errors] == [field]
    assert Category.objects.count() == 1
