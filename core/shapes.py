"""The shape of a query: the query with its values taken out, read by a strict walk.

Two requests for the same list differ only in their values (the user, the estado, the search term,
the cursor row); their queries have the same shape, and Django compiles them to the same SQL text.
:func:`shape_of` reads a queryset's shape and collects its values in the order met. It knows the nodes
list views build (AND/OR/NOT trees of field lookups, columns, values, raw SQL with parameters, a few
functions, the row comparison of a cursor, the query's plain attributes) and raises :class:`Refused`
for anything else. A boolean or ``None`` is written into the SQL text (``IS NULL``), so it is part of
the shape, not a value.

With a :class:`Walk` that replaces values, the walk also builds a copy of the queryset holding
:func:`marker` values instead: ``core.statements`` compiles that copy to prove where each value goes.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterator
from typing import Any

from django.db.models import Func, QuerySet, Value
from django.db.models.expressions import Col, RawSQL
from django.db.models.functions import Lower, StrIndex, Upper
from django.db.models.lookups import (
    Contains,
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
    Lookup,
    Range,
    StartsWith,
)
from django.db.models.query import ModelIterable
from django.db.models.sql.datastructures import BaseTable, Join
from django.db.models.sql.where import WhereNode
from django.utils.datastructures import OrderedSet

from core.expressions import RowComparison

# Lookups whose SQL text depends on the types of their values only (a subclass that makes a value
# into a parameter some other way, e.g. a pattern, is refused when the shape is checked).
_LOOKUPS = (Exact, In, Range, IsNull, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual, Contains, StartsWith)
# Functions whose SQL is their name around their arguments.
_FUNCTIONS: tuple[type[Func], ...] = (Upper, Lower, StrIndex)


class Refused(Exception):
    """The query has a node the walk does not know: compile it as Django does."""


def marker(value: Any, k: int) -> Any:
    """A stand-in for ``value``: its type, content no request sends (so a parameter derived from it
    differs), and an identity of its own (so where it lands can be told)."""
    kind = type(value)
    # Each built at run time: a new object, never an interned string or a cached small integer.
    if isinstance(value, str):  # a choice (TextChoices) too: a CharField hands either on as it is
        return f"\ue000{k}\ue001"
    if kind is int:
        return 700_000_001 + 7919 * k
    if kind is float:
        return 0.5 + k + 1e-9
    if kind is decimal.Decimal:
        return decimal.Decimal(f"7000.{k + 1}")
    if kind is list:
        return [*value, f"\ue002{k}"]
    if kind is tuple:
        return (*value, f"\ue002{k}")
    if kind is datetime.datetime:
        return datetime.datetime(2001, 2, 3, 4, 5, 6, k + 1, tzinfo=value.tzinfo)
    if kind is datetime.date:
        return datetime.date.fromordinal(730_000 + k)
    if kind is uuid.UUID:
        return uuid.UUID(int=0xE000_0000 + k)
    raise Refused(kind)


class Walk:
    """One pass over a query's nodes. ``values`` collects the values in the order met; with
    ``replace`` (an iterator of markers) the pass also builds a copy holding the markers instead."""

    def __init__(self, replace: Iterator[Any] | None = None) -> None:
        self.values: list[Any] = []
        self.replace = replace

    def value(self, value: Any) -> tuple[Any, Any]:
        """A value's part of the shape (its type), and what the copy holds in its place."""
        if value is None or isinstance(value, bool):
            return ("const", value), value  # written into the SQL text: part of the shape
        self.values.append(value)
        new = next(self.replace) if self.replace is not None else value
        return type(value), new

    def node(self, node: Any) -> tuple[Any, Any]:
        shape: tuple[Any, ...]
        if isinstance(node, WhereNode):
            parts, children = [], []
            for child in node.children:
                part, new = self.node(child)
                parts.append(part)
                children.append(new)
            shape = ("where", node.connector, node.negated, tuple(parts))
            if self.replace is None:
                return shape, node
            return shape, WhereNode(children, node.connector, node.negated)
        if isinstance(node, Lookup):
            return self.lookup(node)
        kind = type(node)
        if kind is Col:
            return ("col", node.alias, node.target, _field(node.output_field)), node
        if kind is Value:
            part, new = self.value(node.value)
            shape = ("value", part, _field(node._output_field_or_none))
            if self.replace is None:
                return shape, node
            copy = node.copy()
            copy.value = new
            return shape, copy
        if isinstance(node, RawSQL) and hasattr(node, "params"):
            parts, params = [], []
            for param in node.params:
                part, new = self.value(param)
                parts.append(part)
                params.append(new)
            shape = ("raw", kind, node.sql, _field(node._output_field_or_none), tuple(parts))  # type: ignore[attr-defined]
            if self.replace is None:
                return shape, node
            copy = node.copy()
            copy.params = params
            return shape, copy
        if kind is RowComparison or kind in _FUNCTIONS or _is_plain_function(kind):
            if kind is not RowComparison and node.extra:
                raise Refused(kind)
            parts, sources = [], []
            for source in node.get_source_expressions():
                part, new = self.node(source)
                parts.append(part)
                sources.append(new)
            shape = ("expression", kind, getattr(node, "operator", None), tuple(parts))
            if self.replace is None:
                return shape, node
            copy = node.copy()
            copy.set_source_expressions(sources)
            return shape, copy
        raise Refused(kind)

    def lookup(self, node: Lookup) -> tuple[Any, Any]:
        if not isinstance(node, _LOOKUPS):
            raise Refused(type(node))
        lhs_shape, lhs = self.node(node.lhs)
        rhs = node.rhs
        if hasattr(rhs, "resolve_expression"):
            rhs_shape, new_rhs = self.node(rhs)
        elif isinstance(node, IsNull):
            rhs_shape, new_rhs = ("const", rhs), rhs
        elif isinstance(node, In | Range):
            if not isinstance(rhs, list | tuple | set | frozenset):
                raise Refused(type(rhs))
            items = list(rhs)
            if isinstance(node, In):  # as In.process_rhs: duplicates and None dropped, order kept
                try:
                    distinct = OrderedSet(items)
                    distinct.discard(None)
                    items = list(distinct)
                except TypeError:
                    raise Refused("unhashable") from None
            parts, new_items = [], []
            for item in items:
                part, new = self.value(item)
                parts.append(part)
                new_items.append(new)
            rhs_shape, new_rhs = ("values", tuple(parts)), new_items
        else:
            rhs_shape, new_rhs = self.value(rhs)
        shape = ("lookup", type(node), lhs_shape, rhs_shape)
        if self.replace is None:
            return shape, node
        copy = node.copy()
        copy.lhs, copy.rhs = lhs, new_rhs
        return shape, copy


def _field(field: Any) -> Any:
    """A field as part of a shape: a model's field itself, another by its class."""
    return field if getattr(field, "model", None) is not None else type(field)


def _is_plain_function(kind: type) -> bool:
    """One of the project's own functions of one fixed SQL name (``immutable_unaccent``)."""
    return issubclass(kind, Func) and kind.__module__.startswith("core.") and "as_sql" not in vars(kind)


def _joins(alias_map: dict[str, Any]) -> tuple[Any, ...]:
    parts: list[tuple[Any, ...]] = []
    for alias, join in alias_map.items():
        if type(join) is BaseTable:
            parts.append((alias, join.table_name, join.table_alias))
        elif type(join) is Join and join.filtered_relation is None:
            parts.append(
                (
                    alias,
                    join.table_name,
                    join.parent_alias,
                    join.table_alias,
                    join.join_type,
                    join.join_field,
                    join.nullable,
                )
            )
        else:
            raise Refused(type(join))
    return tuple(parts)


def _simple(value: Any) -> Any:
    """A plain attribute of the query as part of the shape, or refused."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, tuple | list) and all(isinstance(item, str | int | bool) for item in value):
        return tuple(value)
    if isinstance(value, set | frozenset) and all(isinstance(item, str) for item in value):
        return frozenset(value)
    raise Refused(type(value))


def shape_of(queryset: QuerySet, columns: tuple[str, ...], walk: Walk) -> tuple[Any, Any]:
    """The queryset's shape (with ``walk`` collecting its values) and, when ``walk`` replaces them,
    a copy of the queryset holding the markers."""
    if queryset._fields is not None or queryset._iterable_class is not ModelIterable:  # type: ignore[attr-defined]
        raise Refused("values")
    query = queryset.query
    parts: list[Any] = [queryset.db, query.model, columns]
    annotations: dict[str, Any] = {}
    where = query.where
    for name, attribute in sorted(vars(query).items()):
        if name in ("model", "_annotation_select_cache", "_lookup_joins", "used_aliases"):
            continue  # in the shape already, derived, or used while the query is built only
        if name == "where":
            part, where = walk.node(attribute)
        elif name == "annotations":
            items = []
            for alias, expression in attribute.items():
                item, annotations[alias] = walk.node(expression)
                items.append((alias, item))
            part = tuple(items)
        elif name == "alias_map":
            part = _joins(attribute)
        elif name in ("alias_refcount", "external_aliases"):
            part = tuple(attribute.items())
        elif name == "table_map":
            part = tuple((table, tuple(aliases)) for table, aliases in attribute.items())
        elif name == "deferred_loading":
            part = (frozenset(attribute[0]), attribute[1])
        elif name in ("_filtered_relations", "extra", "extra_select_mask"):
            if attribute:
                raise Refused(name)
            part = None
        else:
            part = _simple(attribute)
        parts.append((name, part))
    shape = tuple(parts)
    if walk.replace is None:
        return shape, queryset
    copy = queryset._chain()  # type: ignore[attr-defined]
    copy.query.where = where
    if annotations:
        copy.query.annotations = annotations
        copy.query._annotation_select_cache = None
    return shape, copy
