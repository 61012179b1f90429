from __future__ import annotations

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from orders.models import Order, OrderStatus, Product


def search_terms(queryset: QuerySet, fields: list[str], value: str) -> QuerySet:
    """Every whitespace-separated term must appear (case- and accent-insensitively) in one field."""
    for term in value.split():
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__unaccent__icontains": term})
        queryset = queryset.filter(condition)
    return queryset


class ProductFilter(filters.FilterSet):
    category = filters.NumberFilter(field_name="category_id")
    active = filters.BooleanFilter()
    search = filters.CharFilter(method="filter_search")
    min_price = filters.NumberFilter(field_name="price", lookup_expr="gte")
    max_price = filters.NumberFilter(field_name="price", lookup_expr="lte")

    class Meta:
        model = Product
        fields = ["category", "active", "search", "min_price", "max_price"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(queryset, ["name"], value)


class OrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    user = filters.NumberFilter(field_name="user_id")
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Order
        fields = ["status", "user", "created_after", "created_before"]
