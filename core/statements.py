"""A list page's ``values_list`` statement compiled once per shape of query, not once per request.

Compiling a queryset (``values_list``, then the SQL compiler) cost a third of a list request: more
than its statements took in PostgreSQL. Two requests for the same list differ only in their values
(the user, the estado, the search term, the cursor): their SQL is the same text. :func:`value_tuples`
keeps that text per *shape* (the query with its values taken out) and, on the next request of the
same shape, binds the new values to it.

A shape is read off the query by a strict walk (:func:`_shape`): it knows the nodes list views build
(AND/OR trees of field lookups, columns, values, raw SQL with parameters, a few functions, the row
comparison of a cursor) and refuses anything else, which is then compiled as before. Which value goes
to which parameter is not guessed: the first query of a shape is compiled twice, once as it is and
once with every value replaced by a marker of the same type but another content and identity. The
shape is kept only when both give the same SQL text and every parameter is either exactly one
marker (that value goes there) or a constant equal in both (nothing derived from a value: a
``LIKE`` pattern built in Python, a value written into the SQL, a converter, all refuse the shape).
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
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
from psycopg.types.numeric import Int2, Int4, Int8

from core.expressions import RowComparison

# Lookups whose SQL text depends on the types of their values only (a subclass that makes a value
# into a parameter some other way, e.g. a pattern, is refused when the shape is checked).
_LOOKUPS = (Exact, In, Range, IsNull, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual, Contains, StartsWith)
# Functions whose SQL is their name around their arguments.
_FUNCTIONS: tuple[type[Func], ...] = (Upper, Lower, StrIndex)
# Shapes kept per process (a page number is part of a shape); past it the table starts again.
MAX_SHAPES = 2048
_INT64 = range(-(2**63), 2**63)
# How Django's PostgreSQL backend sends an integer column's values (``adapt_integerfield_value``).
_INTEGER_TYPES = (Int2, Int4, Int8)


class _Refused(Exception):
    """The query has a node the walk does not know: compile it as Django does."""


def _marker(value: Any, k: int) -> Any:
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
    raise _Refused(kind)


def _bindable(value: Any) -> bool:
    """A value the kept text may take: its type is in the shape; an integer must fit a bigint (a
    larger one makes Django drop or empty the condition, which is another text)."""
    return type(value) is not int or value in _INT64


# --- the walk: a shape, the values taken out, and the same query with other values ---------------


class _Walk:
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
                raise _Refused(kind)
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
        raise _Refused(kind)

    def lookup(self, node: Lookup) -> tuple[Any, Any]:
        if not isinstance(node, _LOOKUPS):
            raise _Refused(type(node))
        lhs_shape, lhs = self.node(node.lhs)
        rhs = node.rhs
        if hasattr(rhs, "resolve_expression"):
            rhs_shape, new_rhs = self.node(rhs)
        elif isinstance(node, IsNull):
            rhs_shape, new_rhs = ("const", rhs), rhs
        elif isinstance(node, In | Range):
            if not isinstance(rhs, list | tuple | set | frozenset):
                raise _Refused(type(rhs))
            items = list(rhs)
            if isinstance(node, In):  # as In.process_rhs: duplicates and None dropped, order kept
                try:
                    distinct = OrderedSet(items)
                    distinct.discard(None)
                    items = list(distinct)
                except TypeError:
                    raise _Refused("unhashable") from None
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
            raise _Refused(type(join))
    return tuple(parts)


def _simple(value: Any) -> Any:
    """A plain attribute of the query as part of the shape, or refused."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, tuple | list) and all(isinstance(item, str | int | bool) for item in value):
        return tuple(value)
    if isinstance(value, set | frozenset) and all(isinstance(item, str) for item in value):
        return frozenset(value)
    raise _Refused(type(value))


def _shape(queryset: QuerySet, columns: tuple[str, ...], walk: _Walk) -> tuple[Any, Any]:
    """The queryset's shape (with ``walk`` collecting its values) and, when ``walk`` replaces them,
    a copy of the queryset holding the markers."""
    if queryset._fields is not None or queryset._iterable_class is not ModelIterable:  # type: ignore[attr-defined]
        raise _Refused("values")
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
                raise _Refused(name)
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


# --- the kept statements ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Statement:
    """A shape's SQL; for each parameter, the index of the value that goes there and the type it is
    sent as (None: the constant in ``constants``); and the converters Django would run on each row's
    columns."""

    sql: str
    slots: tuple[tuple[int, type | None] | None, ...]
    constants: tuple[Any, ...]
    converters: tuple[tuple[int, tuple[Any, Any]], ...]

    def params(self, values: list[Any]) -> list[Any]:
        params = []
        for slot, constant in zip(self.slots, self.constants, strict=True):
            if slot is None:
                params.append(constant)
            else:
                k, wrap = slot
                params.append(values[k] if wrap is None else wrap(values[k]))
        return params

    def convert(self, rows: list[tuple[Any, ...]], connection: Any) -> list[tuple[Any, ...]]:
        """The rows as ``SQLCompiler.apply_converters`` gives them (a JSON column read, say)."""
        converted = []
        for row in rows:
            values = list(row)
            for at, (functions, expression) in self.converters:
                value = values[at]
                for function in functions:
                    value = function(value, expression, connection)
                values[at] = value
            converted.append(tuple(values))
        return converted


# shape -> its statement, or None when the shape is compiled per request.
_statements: dict[Any, _Statement | None] = {}


def _compile(queryset: QuerySet, columns: tuple[str, ...]) -> _Statement | None:
    """The values_list statement of ``queryset`` (every parameter a constant), or None when Django
    would reorder or regroup its columns, or run no statement at all."""
    values = queryset.values_list(*columns)
    query = values.query
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    if names != list(columns):
        return None
    compiler = query.get_compiler(values.db)
    try:
        sql, params = compiler.as_sql()
    except (EmptyResultSet, FullResultSet):
        return None
    fields = [expression for expression, _, _ in compiler.select[: compiler.col_count]]
    if compiler.has_composite_fields(fields):
        return None
    converters = tuple(compiler.get_converters(fields).items())
    return _Statement(str(sql), (None,) * len(params), tuple(params), converters)


def _learn(queryset: QuerySet, columns: tuple[str, ...], values: list[Any]) -> _Statement | None:
    """The statement of a new shape and where its values go, checked against the markers' compile."""
    real = _compile(queryset, columns)
    if real is None:
        return None
    markers = [_marker(value, k) for k, value in enumerate(values)]
    at = {id(marker): k for k, marker in enumerate(markers)}
    wrapped = {marker: k for k, marker in enumerate(markers) if type(marker) is int}
    if len(at) != len(markers):
        return None
    _, marked_queryset = _shape(queryset, columns, _Walk(iter(markers)))
    marked = _compile(marked_queryset, columns)
    if marked is None or marked.sql != real.sql or len(marked.constants) != len(real.constants):
        return None
    slots: list[tuple[int, type | None] | None] = []
    for mine, theirs in zip(marked.constants, real.constants, strict=True):
        k = at.get(id(mine))
        if k is not None:
            if theirs is not values[k]:
                return None  # the value was read into another object: not a plain parameter
            slots.append((k, None))
        elif type(mine) in _INTEGER_TYPES and type(theirs) is type(mine) and int(mine) in wrapped:
            # PostgreSQL's integer columns take their values typed (psycopg's Int4(value)).
            k = wrapped[int(mine)]
            if type(values[k]) is not int or int(theirs) != values[k]:
                return None
            slots.append((k, type(mine)))
        elif type(mine) is type(theirs) and mine == theirs:
            slots.append(None)
        else:
            return None  # a parameter derived from a value
    constants = tuple(constant if slot is None else None for slot, constant in zip(slots, real.constants, strict=True))
    return _Statement(real.sql, tuple(slots), constants, real.converters)


def _kept(queryset: QuerySet, columns: tuple[str, ...]) -> tuple[_Statement, list[Any]] | None:
    """The kept statement of the queryset's shape and its values, or None when compiled per query."""
    walk = _Walk()
    try:
        shape, _ = _shape(queryset, columns, walk)
    except _Refused:
        return None
    if shape in _statements:
        statement = _statements[shape]
    else:
        try:
            statement = _learn(queryset, columns, walk.values)
        except _Refused:
            statement = None
        if len(_statements) >= MAX_SHAPES:
            _statements.clear()
        _statements[shape] = statement
    if statement is None or not all(map(_bindable, walk.values)):
        return None
    return statement, walk.values


def sql_with_params(queryset: QuerySet, columns: tuple[str, ...]) -> tuple[str, list[Any]]:
    """``queryset.values_list(*columns).query.sql_with_params()``, compiled once per shape."""
    kept = _kept(queryset, columns)
    if kept is None:
        sql, params = queryset.values_list(*columns).query.sql_with_params()
        return sql, list(params)
    statement, values = kept
    return statement.sql, statement.params(values)


def value_tuples(queryset: QuerySet, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """``list(queryset.values_list(*columns))``, its statement compiled once per shape of query."""
    kept = _kept(queryset, columns)
    if kept is None:
        return list(queryset.values_list(*columns))
    statement, values = kept
    connection = connections[queryset.db]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params(values))
        rows = cursor.fetchall()
    return statement.convert(rows, connection) if statement.converters else rows


def kept_shapes() -> int:
    """How many shapes have a kept statement (for tests)."""
    return sum(statement is not None for statement in _statements.values())


def forget() -> None:
    """Drop every kept statement (for tests)."""
    _statements.clear()
