"""Output serializers compiled once per class, so rendering a row costs a dict build, not DRF's dispatch.

DRF's ``Serializer.to_representation`` walks every field of every row through ``get_attribute``
(a ``source_attrs`` loop with exception handling) and the field's ``to_representation``, after the
serializer has rebuilt and deep-copied its fields for the request; on a list page that was most of
the request. :class:`FastRepresentation` keeps the serializer as it is (validation, schema and
behaviour are DRF's) and only replaces how an object becomes a dict: each class is compiled once
(:func:`template_for`) into one generated dict literal of attribute reads, with a converter only where
DRF would change the value (a short ISO 8601 formatter for UTC datetimes, the field's own
``to_representation`` for decimals and custom fields). The result is the same dict DRF builds, key
for key; a test compares both for every serializer that uses it.

Lists may go further (``core.values``): when every field reads a database column or an annotation
(nested lists included), the page is fetched as value tuples and each row is a :class:`Row` whose
attributes are the columns (``core.rows``), so no model instance is built per row.
"""

from __future__ import annotations

import datetime
import keyword
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import models
from django.utils import timezone
from rest_framework import fields, serializers
from rest_framework.fields import SkipField

from core.converters import (
    attribute_converter,
    attribute_reader,
    blank_as_null,
    fallback,
    model_column,
    rendered_by_drf,
    wire_converter,
)
from core.rows import Row

_UTC = datetime.UTC

Step = tuple[Callable[[Any], Any], Callable[[Any], Any] | None]
Plan = list[tuple[str, Callable[[Any], Any], Callable[[Any], Any] | None]]


@dataclass(frozen=True)
class _Template:
    """A serializer class compiled once: per field, what to read and how to convert it.

    ``steps`` are ``(key, kind, name, extra)``: ``"attr"`` reads attribute ``name`` and maps a
    non-None value through ``extra`` (None: unchanged); ``"method"`` calls the serializer's method
    ``name``; ``"many"`` renders the related objects in attribute ``name`` with the serializer class
    ``extra``. Methods and nested serializers are bound per serializer instance, so they see the
    request's context. ``make`` builds the render function of one instance from those bindings.
    """

    steps: tuple[tuple[str, str, str, Any], ...]
    # The columns or annotations the "attr" steps read, and the (attribute, serializer class) of the
    # "many" steps.
    columns: frozenset[str]
    nested: tuple[tuple[str, type[FastRepresentation]], ...]
    make: Callable[[list[Any]], Callable[[Any], dict[str, Any]]]
    # The same for value rows bound for the JSON renderer: UTC datetimes left as they are (see Row).
    make_wire: Callable[[list[Any]], Callable[[Any], dict[str, Any]]]


_templates: dict[type, _Template | None] = {}


def template_for(cls: type[FastRepresentation]) -> _Template | None:
    """The class's template, or None when a field can only be rendered DRF's way (context, nesting)."""
    if cls in _templates:
        return _templates[cls]
    prototype = cls()
    steps: list[tuple[str, str, str, Any]] = []
    columns: set[str] = set()
    nested: list[tuple[str, type[FastRepresentation]]] = []
    for field in prototype._readable_fields:  # type: ignore[attr-defined]
        key = field.field_name
        if isinstance(field, fields.SerializerMethodField):
            steps.append((key, "method", field.method_name, None))
            continue
        read, name = attribute_reader(field)
        if read is None or not name.isidentifier() or keyword.iskeyword(name):
            break
        if isinstance(field, serializers.ListSerializer):
            child = type(field.child)
            if not issubclass(child, FastRepresentation) or template_for(child) is None:
                break
            steps.append((key, "many", name, child))
            nested.append((name, child))
            continue
        if rendered_by_drf(field):
            break
        convert = attribute_converter(field, model_column(getattr(getattr(cls, "Meta", None), "model", None), name))
        steps.append((key, "attr", name, convert))
        columns.add(name)
    else:
        template: _Template | None = _Template(
            tuple(steps), frozenset(columns), tuple(nested), _generate(steps), _generate(steps, wire=True)
        )
        _templates[cls] = template
        return template
    _templates[cls] = None
    return None


def _generate(
    steps: list[tuple[str, str, str, Any]], wire: bool = False
) -> Callable[[list[Any]], Callable[[Any], dict[str, Any]]]:
    """Python source for one dict literal over ``obj``: no loop, no per-field call unless converting.

    With ``wire``, datetimes are left to the JSON renderer and a nested list is one comprehension of
    its children's dict literals, its bindings a tuple in its parent's (value rows only, whose nested
    rows are lists: see :class:`Row`). Only attribute names (identifiers, checked above) and ``repr``
    of the keys reach the source.
    """

    def nested(kind: str, extra: Any) -> _Template | None:
        return template_for(extra) if wire and kind == "many" else None

    def literal(steps: Iterable[tuple[str, str, str, Any]], obj: str, prefix: str) -> str:
        items = []
        for i, (key, kind, name, extra) in enumerate(steps):
            arg, read = f"{prefix}{i}", f"{obj}.{name}"
            child = nested(kind, extra)
            if child is not None:
                expression = f"[{literal(child.steps, f'{arg}_row', f'{arg}_')} for {arg}_row in {read}]"
            elif kind == "method":
                expression = f"{arg}({obj})"
            elif kind == "attr" and (wire_converter(extra) if wire else extra) is None:
                expression = read
            elif extra is blank_as_null:
                expression = f"({read} or None)"
            else:
                expression = f"(None if ({arg}_v := {read}) is None else {arg}({arg}_v))"
            items.append(f"{key!r}: {expression}")
        return f"{{{', '.join(items)}}}"

    def names(steps: Iterable[tuple[str, str, str, Any]], prefix: str) -> str:
        unpack = ""
        for i, (_, kind, _, extra) in enumerate(steps):
            child = nested(kind, extra)
            unpack += f"{prefix}{i}, " if child is None else f"({names(child.steps, f'{prefix}{i}_')}), "
        return unpack

    source = (
        "def make(args):\n"
        f"    ({names(steps, 'a')}) = args\n"
        "    def render(obj):\n"
        f"        return {literal(steps, 'obj', 'a')}\n"
        "    return render\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<FastRepresentation>", "exec"), namespace)  # noqa: S102 - source built above
    return namespace["make"]


def _compile_field(serializer: serializers.Serializer, field: fields.Field) -> Step:
    """One field of a serializer without a template, compiled against its bound field."""
    if isinstance(field, fields.SerializerMethodField):
        return getattr(serializer, field.method_name), None
    read, _ = attribute_reader(field)
    if read is None or rendered_by_drf(field):
        return fallback(field), None
    return read, attribute_converter(field)


def _many(child: Callable[[Any], dict[str, Any]]) -> Callable[[Any], list[dict[str, Any]]]:
    def render_many(items: Any) -> list[dict[str, Any]]:
        if isinstance(items, models.Manager):
            items = items.all()
        return [child(item) for item in items]

    return render_many


def render(plan: Plan, obj: Any) -> dict[str, Any]:
    result = {}
    for key, get, convert in plan:
        try:
            value = get(obj)
        except SkipField:
            continue
        result[key] = value if convert is None or value is None else convert(value)
    return result


class FastRepresentation(serializers.BaseSerializer):
    # (No docstring: the schema would show it as the description of every serializer using it.)
    # Mix into an output ``ModelSerializer`` (before it): same dicts as DRF, built from a compiled plan.
    #
    # The class is compiled once (:func:`template_for`), so a request neither deep-copies nor rebuilds the
    # serializer's fields to render; method fields and nested serializers are bound to the serializer
    # instance, so they see the request's context. Fields that need the request to render (files,
    # hyperlinks) or a nested single object make the class fall back to compiling its bound fields,
    # which is still one plan for the whole list. Custom fields' ``to_representation`` must not read
    # ``self.context`` (none of ours does).

    # Set on a serializer whose method fields read only columns and annotations, so its lists may be
    # fetched as ``.values()`` rows (see values_plan).
    methods_read_columns_only = False

    def renderer(self) -> Callable[[Any], dict[str, Any]]:
        """``renderer()(obj)`` is this serializer's representation of ``obj``. Built on every call (call it
        once per page): kept on the serializer, its bound methods would tie the two in a reference cycle,
        and the serializer's instance (a page, an object) would wait for the cycle collector."""
        template = template_for(type(self))
        if timezone.get_current_timezone_name() != "UTC":
            # DRF renders datetimes in the active time zone; the compiled converters assume UTC.
            return partial(serializers.Serializer.to_representation, self)
        if template is None:
            plan = [
                (field.field_name, *_compile_field(self, field))
                for field in self._readable_fields  # type: ignore[attr-defined]
            ]
            return partial(render, plan)
        return template.make([self._bind(kind, name, extra) for _, kind, name, extra in template.steps])

    def wire_renderer(self) -> Callable[[Any], dict[str, Any]]:
        """The renderer of value rows (see :class:`Row`); the plain one when there is no template."""
        template = template_for(type(self))
        if template is None or timezone.get_current_timezone_name() != "UTC":
            return self.renderer()
        return template.make_wire([self._bind(kind, name, extra, wire=True) for _, kind, name, extra in template.steps])

    def _bind(self, kind: str, name: str, extra: Any, wire: bool = False) -> Any:
        if kind == "method":
            return getattr(self, name)
        if kind == "many" and wire:
            # The child's bindings, for its dict literal inside this one (see _generate). Only method
            # fields need a serializer of the child's class; converters are the class's own.
            steps = template_for(extra).steps  # type: ignore[union-attr]
            child = extra(context=self.context) if any(step[1] == "method" for step in steps) else self
            return tuple(
                child._bind(step_kind, step_name, step_extra, wire=True)
                for _, step_kind, step_name, step_extra in steps
            )
        if kind == "many":
            return _many(extra(context=self.context).renderer())
        return wire_converter(extra) if wire else extra

    def to_representation(self, instance: Any) -> dict[str, Any]:
        if isinstance(instance, Row):
            return self.wire_renderer()(instance)
        return self.renderer()(instance)

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> serializers.ListSerializer:
        many = super().many_init(*args, **kwargs)
        if type(many) is serializers.ListSerializer:  # a list_serializer_class of its own is left alone
            many.__class__ = FastListSerializer
            # DRF binds the child to the list (child.parent), a reference cycle that kept the page (its
            # rows and rendered dicts) alive after the response until the cycle collector ran. The child
            # reaches the list (its context, its root) through a weak reference instead.
            # DRF also hands the child the whole page as its own instance, which it never renders.
            child = many.child
            child.parent = weakref.proxy(many)  # type: ignore[union-attr]
            child.instance = None  # type: ignore[union-attr]
            child._args = (None, *args[1:]) if args else ()  # type: ignore[union-attr]
        return many


class FastListSerializer(serializers.ListSerializer):
    """DRF's ListSerializer rendering a page with one renderer looked up per page, not per row
    (a page of value rows is all :class:`Row` objects, as ``core.values.fetch_rows`` builds it)."""

    def to_representation(self, data: Any) -> list[Any]:
        rows = data.all() if isinstance(data, models.manager.BaseManager) else data
        child = self.child
        if isinstance(rows, list) and rows and isinstance(rows[0], Row):
            render = child.wire_renderer()  # type: ignore[union-attr]
        else:
            render = child.renderer()  # type: ignore[union-attr]
        return [render(row) for row in rows]


def api_data(serializer: serializers.BaseSerializer) -> dict[str, Any]:
    """``serializer.data`` as the API writes it, whatever time zone is active: services build event
    payloads and audit changes with it, and a service called from the admin runs in the office's zone."""
    with timezone.override(_UTC):
        return dict(serializer.data)
