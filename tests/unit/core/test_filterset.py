"""core.filters.FilterSet: each request gets its own filters, the form class is built once per class."""

from __future__ import annotations

from django.http import QueryDict

from expedientes.filters import ExpedienteFilter
from expedientes.models import Expediente


def test_each_filterset_has_its_own_filters_bound_to_it_and_shares_one_form_class() -> None:
    first = ExpedienteFilter(QueryDict("estado=iniciado"), queryset=Expediente.objects.none())
    second = ExpedienteFilter(QueryDict("search=garcia"), queryset=Expediente.objects.none())
    assert first.get_form_class() is second.get_form_class()
    for name in ExpedienteFilter.base_filters:
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name] is not ExpedienteFilter.base_filters[name]
        assert first.filters[name].parent is first
        assert second.filters[name].parent is second
    # A method filter resolves the method on its own filterset, never on the class's filter.
    assert first.filters["search"].filter.f is first.filters["search"]
    assert second.filters["search"].filter.f is second.filters["search"]


def test_forms_stay_per_request_and_validate_as_before() -> None:
    good = ExpedienteFilter(QueryDict("estado=iniciado,aprobado&owner=3"), queryset=Expediente.objects.none())
    bad = ExpedienteFilter(QueryDict("estado=nope&owner=1.5"), queryset=Expediente.objects.none())
    assert good.is_valid()
    assert good.form.cleaned_data["estado"] == ["iniciado", "aprobado"]
    assert not bad.is_valid()
    assert set(bad.errors) == {"estado", "owner"}
    assert good.form.fields is not bad.form.fields
