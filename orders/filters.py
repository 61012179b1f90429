from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from core.filter_fields import IdFilter, strict_boolean
from core.filters import FilterSet, UtcIsoDateTimeFilter
from core.search import unaccent_search
from orders.models import Order, OrderStatus, Product


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
        return unaccent_search(queryset, value, ["name"])


class OrderFilter(FilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    user = IdFilter(field_name="user_id")
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Order
        fields = ["status", "user", "created_after", "created_before"]
