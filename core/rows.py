"""Value rows: a list page's ``values_list`` tuples read as attributes, without a model instance per row."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any


class Row:
    """A value row (a page's ``values_list`` tuple) read as attributes (``row.estado``), like a model
    instance but without building one.

    Each set of columns has its own tuple class (:func:`row_class`), whose attributes read the tuple by
    position as a namedtuple's do: a row costs one tuple, not an object and a dict. Rows exist only on
    list pages (``core.values.fetch_rows``), whose dicts go straight to the JSON renderer, and their
    datetimes come from the database in UTC: a serializer renders a row with its datetimes left as
    they are (``core.representation``'s ``make_wire``), and the renderer writes them as DRF would
    (ISO 8601, ``Z``), in C instead of one Python call per value.
    """

    __slots__ = ()
    _fields: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=True))  # type: ignore[call-overload]


_row_classes: dict[tuple[str, ...], type[Row]] = {}


def row_class(names: tuple[str, ...]) -> type[Row]:
    """The tuple class of value rows with these columns, in this order (made once per set of columns).

    The names need not be valid namedtuple fields (an annotation may start with ``_``): the class is a
    namedtuple of positional fields whose accessors are given the column names as well.
    """
    cls = _row_classes.get(names)
    if cls is None:
        positional = namedtuple("RowTuple", [f"f{i}" for i in range(len(names))])  # type: ignore[misc]
        namespace: dict[str, Any] = {"__slots__": (), "_fields": names}
        namespace.update({name: vars(positional)[f"f{i}"] for i, name in enumerate(names)})
        cls = _row_classes[names] = type("Row", (positional, Row), namespace)
    return cls


def row_maker(names: tuple[str, ...]) -> Callable[[Iterable[Any]], Row]:
    """``make(values)`` is the value row of these columns: the tuple built in C, no Python call."""
    return partial(tuple.__new__, row_class(names))  # type: ignore[type-var]


def make_row(values: dict[str, Any]) -> Row:
    """A value row from a ``.values()`` dict."""
    return row_maker(tuple(values))(values.values())
