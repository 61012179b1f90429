from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from accounts import selectors
from accounts.models import Role, User
from core.filter_fields import strict_boolean
from core.filters import FilterSet, ValidatedOrderingFilter


class UserFilter(FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    # A plain BooleanFilter silently ignores "maybe"; a bad value must be a 422.
    is_active = strict_boolean()
    search = django_filters.CharFilter(method="filter_search", max_length=200)

    class Meta:
        model = User
        fields = ["role", "is_active", "search"]

    def filter_search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return selectors.search_users(queryset, value)


class UserOrderingFilter(ValidatedOrderingFilter):
    """Users have ``date_joined`` where other resources have ``created_at``; accept both names."""

    aliases = {"created_at": "date_joined", "-created_at": "-date_joined"}

    def get_ordering(self, request: Any, view: Any) -> list[str]:
        return [self.aliases.get(term, term) for term in super().get_ordering(request, view)]
