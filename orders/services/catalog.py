"""Writes of the catalog: categories and products, each under its row lock, audited."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy

from core.exceptions import Conflict, HasDependents
from core.versioned_writes import diff, lock_versioned, removed, save_versioned
from events.services import record
from orders.models import Category, Product
from orders.payloads import category_payload, product_payload

_CATEGORY_TAKEN = {
    "name": gettext_lazy("A category with this name already exists."),
    "slug": gettext_lazy("A category with this slug already exists."),
}


def _category_clash(*, name: str | None, slug: str | None, exclude: int | None = None) -> Conflict | None:
    """The ``409 conflict`` for a name (case-insensitive) or slug another category already holds."""
    others = Category.objects.exclude(pk=exclude) if exclude is not None else Category.objects.all()
    errors = []
    if name is not None and others.filter(name__iexact=name).exists():
        errors.append({"field": "name", "message": str(_CATEGORY_TAKEN["name"]), "code": "unique"})
    if slug is not None and others.filter(slug=slug).exists():
        errors.append({"field": "slug", "message": str(_CATEGORY_TAKEN["slug"]), "code": "unique"})
    if not errors:
        return None
    return Conflict(f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)


def _category_integrity_conflict(exc: IntegrityError) -> Conflict:
    # A concurrent writer took the value between our check and the insert: same answer as the check.
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) or ""
    field = "slug" if "slug" in constraint else "name"
    message = str(_CATEGORY_TAKEN[field])
    return Conflict(f"{field}: {message}", errors=[{"field": field, "message": message, "code": "unique"}])


# What a create or delete of each catalog entry audits, and its answer while other rows still protect it.
_ENTRIES: dict[str, tuple[type[Category] | type[Product], Callable[[Any], dict[str, Any]], Any]] = {
    "category": (Category, category_payload, gettext_lazy("The category still has products")),
    "product": (Product, product_payload, gettext_lazy("The product appears in orders")),
}


def _create_entry(entity_type: str, *, actor: Any, fields: Mapping[str, Any]) -> Category | Product:
    """Insert a catalog entry and audit every field of it (each a change from nothing)."""
    model, represent, _in_use = _ENTRIES[entity_type]
    with transaction.atomic():
        entry = model.objects.create(**fields)
        record(
            actor=actor,
            entity_type=entity_type,
            entity_id=entry.pk,
            action="create",
            changes=diff({}, represent(entry)),
        )
    return entry


def create_category(*, actor: Any, fields: Mapping[str, Any]) -> Category:
    """Create a category; a name (case-insensitively) or slug already taken is ``409 conflict``."""
    clash = _category_clash(name=fields.get("name"), slug=fields.get("slug"))
    if clash is not None:
        raise clash
    try:
        return cast(Category, _create_entry("category", actor=actor, fields=fields))
    except IntegrityError as exc:
        raise _category_integrity_conflict(exc) from None


def update_category(
    *, actor: Any, category_id: int, fields: Mapping[str, Any], expected_versions: set[int] | None = None
) -> Category:
    """Change a category under its row lock, honouring ``If-Match``; taking another's name or slug is ``409``."""
    try:
        with transaction.atomic():
            category = lock_versioned(Category.objects, category_id, expected_versions=expected_versions)
            clash = _category_clash(name=fields.get("name"), slug=fields.get("slug"), exclude=category.pk)
            if clash is not None:
                raise clash
            changes = save_versioned(category, fields, represent=category_payload)
            if changes:
                record(actor=actor, entity_type="category", entity_id=category.pk, action="update", changes=changes)
    except IntegrityError as exc:
        raise _category_integrity_conflict(exc) from None
    return category


def _delete_entry(entity_type: str, pk: int, *, actor: Any, expected_versions: set[int] | None) -> None:
    """Delete a catalog entry under its row lock; ``409 has_dependents`` while rows protect it."""
    model, represent, in_use = _ENTRIES[entity_type]
    with transaction.atomic():
        entry = lock_versioned(model.objects, pk, expected_versions=expected_versions)
        before = represent(entry)
        try:
            with transaction.atomic():
                entry.delete()
        except ProtectedError:
            raise HasDependents(str(in_use))
        record(actor=actor, entity_type=entity_type, entity_id=pk, action="delete", changes=removed(before))


def delete_category(*, actor: Any, category_id: int, expected_versions: set[int] | None = None) -> None:
    """Delete a category; ``409 has_dependents`` while products use it."""
    _delete_entry("category", category_id, actor=actor, expected_versions=expected_versions)


def create_product(*, actor: Any, fields: Mapping[str, Any]) -> Product:
    """Add a product to the catalog."""
    return cast(Product, _create_entry("product", actor=actor, fields=fields))


def update_product(
    *, actor: Any, product_id: int, fields: Mapping[str, Any], expected_versions: set[int] | None = None
) -> Product:
    """Change a product under its row lock (the same lock orders take to reserve stock)."""
    with transaction.atomic():
        product = lock_versioned(Product.objects, product_id, expected_versions=expected_versions)
        changes = save_versioned(product, fields, represent=product_payload)
        if changes:
            record(actor=actor, entity_type="product", entity_id=product.pk, action="update", changes=changes)
    return product


def delete_product(*, actor: Any, product_id: int, expected_versions: set[int] | None = None) -> None:
    """Delete a product; ``409 has_dependents`` once it appears in an order."""
    _delete_entry("product", product_id, actor=actor, expected_versions=expected_versions)
