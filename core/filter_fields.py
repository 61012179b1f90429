"""Query-string filters every list shares: integer ids and strict booleans (bad values are ``422``)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

# Ids beyond a bigint match nothing; the database driver would refuse them instead.
BIGINT_MAX = 2**63 - 1
BOOLEAN_VALUES = ("true", "false", "True", "False", "1", "0")


class IdFilter(django_filters.NumberFilter):
    """An integer id: ``1.5`` or ``1e3`` are a 422 (a DecimalField would quietly truncate them);
    an id beyond any id column is simply unknown (an empty list), not invalid."""

    field_class = forms.IntegerField

    def get_max_validator(self) -> None:
        return None

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value is not None and not -BIGINT_MAX <= value <= BIGINT_MAX:
            return qs.none()
        return super().filter(qs, value)


def strict_boolean(**kwargs: Any) -> django_filters.TypedChoiceFilter:
    """A boolean query parameter that refuses ``maybe`` with a 422 (BooleanFilter ignores it)."""
    return django_filters.TypedChoiceFilter(
        choices=[(value, value) for value in BOOLEAN_VALUES],
        coerce=lambda value: value.lower() in ("true", "1"),
        **kwargs,
    )
