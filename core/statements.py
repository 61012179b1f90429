"""A list page's ``values_list`` statement compiled once per shape of query, not once per request.

Compiling a queryset (``values_list``, then the SQL compiler) cost a third of a list request: more
than its statements took in PostgreSQL. Two requests for the same list differ only in their values:
their queries have the same shape (``core.shapes``) and their SQL is the same text.
:func:`value_tuples` keeps that text per shape and, on the next request of the same shape, binds the
new values to it. A query the walk refuses is compiled as before.

Which value goes to which parameter is not guessed: the first query of a shape is compiled twice,
once as it is and once with every value replaced by a marker of the same type but another content
and identity. The shape is kept only when both give the same SQL text and every parameter is either
exactly one marker (that value goes there) or a constant equal in both (nothing derived from a
value: a ``LIKE`` pattern built in Python or a value written into the SQL refuse the shape).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import QuerySet
from psycopg.types.numeric import Int2, Int4, Int8

from core.shapes import Refused, Walk, marker, shape_of

# Shapes kept per process (a page number is part of a shape); past it the table starts again.
MAX_SHAPES = 2048
_INT64 = range(-(2**63), 2**63)
# How Django's PostgreSQL backend sends an integer column's values (``adapt_integerfield_value``).
_INTEGER_TYPES = (Int2, Int4, Int8)


def _bindable(value: Any) -> bool:
    """A value the kept text may take: its type is in the shape; an integer must fit a bigint (a
    larger one makes Django drop or empty the condition, which is another text)."""
    return type(value) is not int or value in _INT64


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
    markers = [marker(value, k) for k, value in enumerate(values)]
    at = {id(stand_in): k for k, stand_in in enumerate(markers)}
    wrapped = {stand_in: k for k, stand_in in enumerate(markers) if type(stand_in) is int}
    if len(at) != len(markers):
        return None
    _, marked_queryset = shape_of(queryset, columns, Walk(iter(markers)))
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
    walk = Walk()
    try:
        shape, _ = shape_of(queryset, columns, walk)
    except Refused:
        return None
    if shape in _statements:
        statement = _statements[shape]
    else:
        try:
            statement = _learn(queryset, columns, walk.values)
        except Refused:
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
