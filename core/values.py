"""List pages fetched as value rows: no model instance per row when the serializer reads columns only.

:func:`values_plan` tells whether every field of a :class:`~core.representation.FastRepresentation`
reads a database column or an annotation (nested lists included); :func:`fetch_rows` then reads the
page with ``values_list``, each row a :class:`~core.rows.Row` tuple.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.db import connections, models
from django.db.models import F
from django.db.models.fields.reverse_related import ManyToOneRel, OneToOneRel

from core.expressions import EqualsAny
from core.representation import FastRepresentation, template_for
from core.rows import Row, row_maker
from core.statements import value_tuples


@dataclass(frozen=True)
class ValuesPlan:
    """How a list page is fetched without model instances: the columns of its rows, and for each
    nested list ``(attribute, model, foreign key attname, columns)``, fetched in one query per page
    as a prefetch would."""

    columns: list[str]
    children: tuple[tuple[str, type[models.Model], str, list[str]], ...] = ()


_plans: dict[tuple[type, type, tuple[str, ...], tuple[Any, ...]], ValuesPlan | None] = {}


def values_plan(serializer_class: type, queryset: models.QuerySet) -> ValuesPlan | None:
    """A :class:`ValuesPlan` when every field reads a column or an annotation (nested lists too), else None.

    Method fields may read any concrete column, so every stored column is fetched (a model
    instance has them all too); a field whose source is a property, a relation or a dotted path
    needs the model instance. Nested lists must be exactly the queryset's plain prefetches (the
    related rows, in the related model's default ordering, as ``prefetch_related`` gives them).
    """
    annotations = tuple(queryset.query.annotation_select)
    prefetches = tuple(queryset._prefetch_related_lookups)  # type: ignore[attr-defined]
    key = (serializer_class, queryset.model, annotations, prefetches)
    if key not in _plans:
        _plans[key] = _values_plan(serializer_class, queryset.model, annotations, prefetches)
    return _plans[key]


def _values_plan(
    serializer_class: type, model: type[models.Model], annotations: tuple[str, ...], prefetches: tuple[Any, ...]
) -> ValuesPlan | None:
    if not issubclass(serializer_class, FastRepresentation):
        return None
    template = template_for(serializer_class)
    if template is None:
        return None
    if not serializer_class.methods_read_columns_only and any(kind == "method" for _, kind, _, _ in template.steps):
        return None
    # A generated column (a search document) is SQL's business, never a serializer's.
    concrete = [field.attname for field in model._meta.concrete_fields if not field.generated]
    if not template.columns <= {*concrete, *annotations}:
        return None
    if set(prefetches) != {name for name, _ in template.nested}:
        return None
    children = []
    for name, child_class in template.nested:
        relation = model._meta.get_field(name)
        if not isinstance(relation, ManyToOneRel) or isinstance(relation, OneToOneRel):
            return None  # only reverse foreign keys (order.items): not many-to-many, not one-to-one
        child_model: type[models.Model] = relation.related_model  # type: ignore[assignment]
        child = _values_plan(child_class, child_model, (), ())
        if child is None or child.children:
            return None
        fk = str(relation.field.attname)
        read = _columns_read(child_class)
        columns = child.columns if read is None else [column for column in child.columns if column in read | {fk}]
        children.append((name, child_model, fk, columns))
    return ValuesPlan([*concrete, *annotations], tuple(children))


def _columns_read(serializer_class: type[FastRepresentation]) -> frozenset[str] | None:
    """The columns a row of ``serializer_class`` is rendered from when it has no method fields (which
    may read any column); else None. (A list's own rows keep every column: a cursor reads the ordering's.)"""
    template = template_for(serializer_class)
    if template is None or any(kind == "method" for _, kind, _, _ in template.steps):
        return None
    return template.columns


def fetch_rows(queryset: models.QuerySet, plan: ValuesPlan) -> list[Row]:
    """The queryset's rows as :class:`Row` tuples, nested lists attached (as the row's last columns):
    as many queries as ``prefetch_related`` would make, no model instance."""
    if not plan.children:
        return value_rows(queryset, plan.columns)
    parents = value_tuples(queryset, tuple(plan.columns))
    if not parents:
        return []
    at = plan.columns.index(queryset.model._meta.pk.attname)
    pks = [values[at] for values in parents]
    groups = []
    for _, child_model, fk, child_columns in plan.children:
        group: dict[Any, list[Row]] = {pk: [] for pk in pks}
        fk_at = child_columns.index(fk)
        for child in _children(child_model, fk, child_columns, pks, queryset.db):
            group[child[fk_at]].append(child)  # type: ignore[index]
        groups.append(group)
    new = row_maker((*plan.columns, *(name for name, *_ in plan.children)))
    return [new((*values, *(group[values[at]] for group in groups))) for values in parents]


def _children(model: type[models.Model], fk: str, columns: list[str], pks: list[Any], using: str) -> list[Row]:
    """The rows of ``model`` under the parents ``pks``, as ``prefetch_related`` reads them (``model``'s
    default ordering)."""
    names = tuple(columns)
    sql = _children_statement(model, fk, names, using)
    if sql is None:
        return value_rows(model._default_manager.using(using).filter(**{f"{fk}__in": pks}), columns)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [pks])
        return list(map(row_maker(names), cursor.fetchall()))


@functools.cache
def _children_statement(model: type[models.Model], fk: str, columns: tuple[str, ...], using: str) -> str | None:
    """The statement of :func:`_children`, compiled once: ``fk = ANY(%s)`` over one array, whatever the
    number of parents. (Django's ``__in`` spends ~1,700 Python calls on 20 ids and a compilation; that
    was a third of an orders page.) None when a column needs a converter the cursor would skip."""
    query = model._default_manager.using(using).filter(EqualsAny(F(fk), [])).values_list(*columns).query
    compiler = query.get_compiler(using)
    sql, params = compiler.as_sql()
    if len(params) != 1 or compiler.get_converters([expression for expression, _, _ in compiler.select]):
        return None
    return str(sql)


def value_rows(queryset: models.QuerySet, columns: list[str]) -> list[Row]:
    """``queryset.values_list(*columns)`` as :class:`Row` tuples (one allocation per row), the
    statement compiled once per shape of query (:mod:`core.statements`)."""
    names = tuple(columns)
    return list(map(row_maker(names), value_tuples(queryset, names)))
