"""core.filters.FilterSet: each request gets its own filters, the form class is built once per class, and the
query string is validated as Django's form of that class validates it."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.core.exceptions import EmptyResultSet
from django.http import QueryDict

from accounts.filters import UserFilter
from core.filters import FilterSet, QueryStringForm
from events.filters import AuditEventFilter, DeliveryFilter, EndpointFilter, EventFilter
from expedientes.filters import ExpedienteFilter
from expedientes.models import Expediente
from orders.filters import OrderFilter, ProductFilter
from orders.payments.views import PaymentFilter

FILTERSETS = [
    UserFilter,
    AuditEventFilter,
    DeliveryFilter,
    EndpointFilter,
    EventFilter,
    ExpedienteFilter,
    OrderFilter,
    ProductFilter,
    PaymentFilter,
]
# Per parameter: good values, bad values, blanks and whitespace; each tried alone and all at once.
VALUES = [
    "",
    " ",
    "1",
    "-3",
    "1.5",
    "1e3",
    "99999999999999999999",
    "abc",
    "true",
    "False",
    "maybe",
    "iniciado",
    "iniciado,aprobado",
    "iniciado,nope",
    ",",
    "pending",
    "2024-01-01T00:00:00Z",
    "2024-01-01",
    "2024-13-01T00:00:00Z",
    "garcía",
    "\x00",
]


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


def test_a_request_copies_only_the_filters_it_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    import core.filters

    copied: list[Any] = []
    shallow_copy = copy.copy

    def recording_copy(filter_: Any) -> Any:
        copied.append(filter_)
        return shallow_copy(filter_)

    monkeypatch.setattr(core.filters.copy, "copy", recording_copy)
    filterset = ExpedienteFilter(QueryDict("estado=iniciado"), queryset=Expediente.objects.none())
    assert filterset.is_valid()
    assert filterset.qs.query.where.children  # the estado filter applied
    assert copied == [ExpedienteFilter.base_filters["estado"]]
    assert list(filterset.filters) == list(ExpedienteFilter.base_filters)
    assert filterset.filters["estado"] is filterset.filters["estado"]


def test_forms_stay_per_request_and_validate_as_before() -> None:
    good = ExpedienteFilter(QueryDict("estado=iniciado,aprobado&owner=3"), queryset=Expediente.objects.none())
    bad = ExpedienteFilter(QueryDict("estado=nope&owner=1.5"), queryset=Expediente.objects.none())
    assert good.is_valid()
    assert good.form.cleaned_data["estado"] == ["iniciado", "aprobado"]
    assert not bad.is_valid()
    assert set(bad.errors) == {"estado", "owner"}


def _django_form(filterset: FilterSet) -> Any:
    return filterset.get_form_class()(filterset.data)


def _outcome(form: Any, present: set[str]) -> tuple[Any, ...]:
    errors = {
        name: [(e.message % (e.params or ()), e.code) for e in errors.as_data()] for name, errors in form.errors.items()
    }
    # Django's form cleans absent parameters too (to an empty value, which filters nothing).
    cleaned = {name: value for name, value in form.cleaned_data.items() if name in present} if not errors else {}
    return form.is_valid(), errors, cleaned


# With the database: a search for a numero's prefix ("2024-01-01") looks at the newest rows to choose
# its plan (core.search.RareContains) while the queryset is built.
@pytest.mark.django_db
@pytest.mark.parametrize("filterset_class", FILTERSETS, ids=lambda cls: cls.__name__)
def test_the_query_string_form_answers_what_djangos_form_answers(filterset_class: type[FilterSet]) -> None:
    names = list(filterset_class.base_filters)
    queries = [QueryDict("")]
    for name in names:
        for value in VALUES:
            query = QueryDict(mutable=True)
            query[name] = value
            queries.append(query)
    for value in VALUES:
        query = QueryDict(mutable=True)
        for name in names:
            query[name] = value
        queries.append(query)
    model = filterset_class._meta.model
    for query in queries:
        filterset = filterset_class(query, queryset=model.objects.all())
        assert isinstance(filterset.form, QueryStringForm)
        present = set(query)
        assert _outcome(filterset.form, present) == _outcome(_django_form(filterset), present), query
        if filterset.is_valid():
            reference = filterset_class(query, queryset=model.objects.all())
            reference._form = _django_form(reference)
            assert _sql(filterset.qs) == _sql(reference.qs), query


def _sql(queryset: Any) -> str:
    try:
        return str(queryset.query)
    except EmptyResultSet:  # a filter that can match nothing (an id past any column)
        return "nothing"
