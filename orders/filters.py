from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django_filters import rest_framework as filters

from core.filters import FilterSet, UtcIsoDateTimeFilter
from core.search import unaccent_search
from orders.models import Order, OrderStatus, Product

# Ids beyond a bigint match nothing; the database driver would refuse them instead.
BIGINT_MAX = 2**63 - 1
BOOLEAN_VALUES = ("true", "false", "True", "False", "1", "0")


class IdFilter(filters.NumberFilter):
    """An integer id: ``1.5`` is a 422 (a DecimalField would quietly truncate it to 1)."""

    field_class = forms.IntegerField

    def get_max_validator(self) -> None:
        return None  # a huge id is simply unknown (empty list), not invalid

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value is not None and not -BIGINT_MAX <= value <= BIGINT_MAX:
            return qs.none()
        return super().filter(qs, value)


def strict_boolean(**kwargs: Any) -> filters.TypedChoiceFilter:
    """A boolean query parameter that refuses ``maybe`` with a 422 (BooleanFilter ignores it)."""
    return filters.TypedChoiceFilter(
        choices=[(value, value) for value in BOOLEAN_VALUES],
        coerce=lambda value: value.lower() in ("true", "1"),
        **kwargs,
    )


def search_terms(queryset: QuerySet, fields: list[str], value: str) -> QuerySet:
    """Every whitespace-separated term must appear (case- and accent-insensitively) in one field.

    Served by the trigram indexes on ``UPPER(immutable_unaccent(field))`` (see ``core.search``).
    """
    return unaccent_search(queryset, value, fields)


class ProductFilter(FilterSet):
    category = IdFilter(field_name="category_id")
    active = strict_boolean()
    search = filters.CharFilter(method="filter_search")
    min_price = filters.NumberFilter(field_name="price", lookup_expr="gte")
    max_price = filters.NumberFilter(field_name="price", lookup_expr="lte")

    class Meta:
        model = Product
        fields = ["category", "active", "search", "min_price", "max_price"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(queryset, ["name"], value)


class OrderFilter(FilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    user = IdFilter(field_name="user_id")
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Order
        fields = ["status", "user", "created_after", "created_before"]
