"""Query-string filters of ``GET /expedientes`` (invalid values become ``422``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from core.filter_fields import IdFilter
from core.filters import FilterSet, UtcIsoDateTimeFilter
from expedientes.models import Estado, Expediente
from expedientes.selectors import search_expedientes


class EstadoInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """``estado=a`` or ``estado=a,b``; every value must be a known estado."""


class ExpedienteFilter(FilterSet):
    estado = EstadoInFilter(field_name="estado", lookup_expr="in", choices=Estado.choices)
    owner = IdFilter(field_name="owner_id")
    assigned_to = IdFilter(field_name="assigned_to_id")
    search = filters.CharFilter(method="filter_search")
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Expediente
        fields = ["estado", "owner", "assigned_to", "search", "created_after", "created_before"]

    def filter_search(self, queryset: QuerySet[Expediente], name: str, value: str) -> QuerySet[Expediente]:
        return search_expedientes(queryset, value)
