"""The one skeleton of a versioned write: lock the row, check ``If-Match``, diff, bump, save.

Every service that changes a :class:`core.models.VersionedModel` row takes these steps in this
order, under the row lock, in the caller's transaction::

    row = lock_versioned(Model.objects, pk, resource="Model", expected_versions=expected_versions)
    ...checks that must see the locked row...
    changes = save_versioned(row, fields, represent=payload_of_row)
    if changes:
        record(actor=..., changes=changes, ...)

Recording the audit event stays with the caller (``core`` imports nothing of the apps, see
docs/architecture.md); the vocabulary of every service is the same: ``expected_versions`` (the
versions ``If-Match`` accepts, ``None`` for any) and ``fields`` (the values to write).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.db.models import Manager, Model, QuerySet

from core.etag import ensure_version
from core.exceptions import NotFound

M = TypeVar("M", bound=Model)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value changed."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def removed(before: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, None]}`` for every field: the changes a delete records (``diff`` reads only
    the fields of its second mapping, so ``diff(before, {})`` is empty)."""
    return {key: [value, None] for key, value in before.items()}


def lock_versioned(
    queryset: QuerySet[M, M] | Manager[M],
    pk: Any,
    *,
    resource: str | None = None,
    expected_versions: set[int] | None = None,
    no_key: bool = False,
) -> M:
    """The row ``pk`` of ``queryset`` under ``SELECT ... FOR UPDATE``, its version checked (412).

    A missing row is ``404`` naming ``resource``; without ``resource`` the model's ``DoesNotExist``
    propagates. ``no_key`` takes ``FOR NO KEY UPDATE`` (for writes that change no key).
    """
    try:
        row = queryset.select_for_update(no_key=no_key).get(pk=pk)
    except queryset.model.DoesNotExist:  # type: ignore[attr-defined]
        if resource is None:
            raise
        raise NotFound.for_resource(resource) from None
    ensure_version(row.version, expected_versions)  # type: ignore[attr-defined]
    return row


def save_versioned(
    row: M,
    fields: Mapping[str, Any],
    *,
    represent: Callable[[M], Mapping[str, Any]],
    save: Callable[[M], None] | None = None,
    force: bool = False,
) -> dict[str, list[Any]]:
    """Set ``fields`` on the locked ``row`` and return what changed in ``represent(row)``.

    When something changed (or ``force``, for a write that the representation does not show,
    such as a new password), the version is bumped and the row saved through ``save`` (default
    ``row.save()``); otherwise nothing is written.
    """
    before = represent(row)
    for name, value in fields.items():
        setattr(row, name, value)
    changes = diff(before, represent(row))
    if changes or force:
        row.version += 1  # type: ignore[attr-defined]
        if save is None:
            row.save()
        else:
            save(row)
    return changes
