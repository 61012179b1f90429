"""Output serializers compiled once into a plan, so rendering a row costs a dict build, not DRF's dispatch.

DRF's ``Serializer.to_representation`` walks every field of every row through ``get_attribute``
(a ``source_attrs`` loop with exception handling) and the field's ``to_representation``; on a list
page that is most of the request. :class:`FastRepresentation` keeps the serializer as it is
(validation, schema and behaviour are DRF's) and only replaces how an object becomes a dict: each
field is compiled once per serializer into ``(key, read, convert)``, where ``read`` is a plain
attribute read and ``convert`` is the identity for values DRF would return unchanged (ints, strings,
booleans, choices, JSON), a short ISO 8601 formatter for datetimes, and the field's own
``to_representation`` for everything else. The result is the same dict DRF builds, key for key; a
test compares both for every serializer that uses it.

Lists may go further: :func:`values_columns` tells whether every field reads a database column or
an annotation, in which case the list is fetched with ``.values()`` and each row is a :class:`Row`,
a dict whose keys read as attributes, so no model instance is built per row.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from rest_framework import fields, relations, serializers
from rest_framework.fields import SkipField

_UTC = datetime.UTC
_ZERO = datetime.timedelta(0)

# to_representation implementations that return a database value unchanged (for the types a column
# of that kind holds): CharField is str(value), IntegerField int(value), ChoiceField the value when
# it is a valid choice, BooleanField the bool, JSONField (not binary) the value.
_PASSTHROUGH = {
    fields.CharField.to_representation,
    fields.IntegerField.to_representation,
    fields.BooleanField.to_representation,
    fields.ChoiceField.to_representation,
    fields.JSONField.to_representation,
    fields.ReadOnlyField.to_representation,
}
_PASSTHROUGH_TYPES: dict[Any, tuple[type, ...]] = {
    fields.CharField.to_representation: (str,),
    fields.IntegerField.to_representation: (int,),
    fields.BooleanField.to_representation: (bool,),
    fields.ChoiceField.to_representation: (str,),
}

Step = tuple[Callable[[Any], Any], Callable[[Any], Any] | None]
Plan = list[tuple[str, Callable[[Any], Any], Callable[[Any], Any] | None]]


class Row:
    """A ``.values()`` row read as attributes (``row.estado``), like a model instance but without building one.

    The row's dict becomes the object's ``__dict__``, so attribute reads are as fast as on any object.
    """

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values


def _datetime_converter(field: fields.DateTimeField) -> Callable[[Any], Any]:
    slow = field.to_representation
    if getattr(field, "format", fields.api_settings.DATETIME_FORMAT) != fields.ISO_8601:
        return slow

    def convert(value: Any) -> Any:
        # DRF: localtime (UTC here) then isoformat with "+00:00" spelled "Z".
        if type(value) is datetime.datetime and value.utcoffset() == _ZERO:
            text = value.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return slow(value)

    return convert


def _converter(field: fields.Field) -> Callable[[Any], Any] | None:
    """How a non-None attribute becomes its representation; None means "unchanged"."""
    method = type(field).to_representation
    if method in _PASSTHROUGH:
        types = _PASSTHROUGH_TYPES.get(method)
        if types is None:
            return None
        slow = field.to_representation

        def checked(value: Any) -> Any:
            return value if type(value) in types else slow(value)

        return checked
    if method is fields.DateTimeField.to_representation:
        return _datetime_converter(field)  # type: ignore[arg-type]
    return field.to_representation


def _attribute_reader(field: fields.Field) -> tuple[Callable[[Any], Any] | None, str]:
    """A plain attribute read for a one-step ``source`` and the attribute's name; None when DRF's
    generic lookup is needed."""
    attrs = field.source_attrs
    if len(attrs) != 1 or attrs[0] == "*":
        return None, ""
    name = attrs[0]
    if isinstance(field, relations.PrimaryKeyRelatedField) and field.use_pk_only_optimization():
        name = f"{name}_id"
    return operator.attrgetter(name), name


# Fields whose representation depends on the request (absolute URLs, hyperlinks): never shared.
_CONTEXT_FIELDS = (fields.FileField, relations.HyperlinkedRelatedField, relations.ManyRelatedField)


@dataclass(frozen=True)
class _Template:
    """A serializer class compiled once: per field, how to read it and how to convert it.

    ``kind`` is ``"attr"`` (``get``, ``convert``), ``"method"`` (``name``: bound per serializer
    instance, so ``self.context`` is the request's) or ``"many"`` (``get`` reads the related objects,
    ``child`` is the nested serializer class, bound per instance with the same context).
    """

    steps: tuple[tuple[str, str, Any, Any], ...]
    # Every field reads a column or an annotation by this name (None: some field needs the model).
    columns: frozenset[str] | None


_templates: dict[type, _Template | None] = {}


def _template(cls: type[FastRepresentation]) -> _Template | None:
    """The class's template, or None when a field can only be rendered DRF's way (context, nesting)."""
    if cls in _templates:
        return _templates[cls]
    prototype = cls()
    steps: list[tuple[str, str, Any, Any]] = []
    columns: set[str] | None = set()
    for field in prototype._readable_fields:  # type: ignore[attr-defined]
        key = field.field_name
        if isinstance(field, fields.SerializerMethodField):
            steps.append((key, "method", field.method_name, None))
            continue
        read, name = _attribute_reader(field)
        if isinstance(field, serializers.ListSerializer):
            child = type(field.child)
            if read is None or not issubclass(child, FastRepresentation) or _template(child) is None:
                break
            steps.append((key, "many", read, child))
            columns = None
            continue
        if read is None or isinstance(field, (serializers.BaseSerializer, *_CONTEXT_FIELDS)):
            break
        if isinstance(field, relations.PrimaryKeyRelatedField):
            convert = field.pk_field.to_representation if field.pk_field is not None else None
        else:
            convert = _converter(field)
        steps.append((key, "attr", read, convert))
        if columns is not None:
            columns.add(name)
    else:
        template: _Template | None = _Template(tuple(steps), frozenset(columns) if columns is not None else None)
        _templates[cls] = template
        return template
    _templates[cls] = None
    return None


def _compile_field(serializer: serializers.Serializer, field: fields.Field) -> Step:
    """One field of a serializer without a template, compiled against its bound field."""
    if isinstance(field, fields.SerializerMethodField):
        return getattr(serializer, field.method_name), None
    read, _ = _attribute_reader(field)
    if read is None or isinstance(field, (serializers.BaseSerializer, *_CONTEXT_FIELDS)):
        return _fallback(field), None
    if isinstance(field, relations.PrimaryKeyRelatedField):
        return read, (field.pk_field.to_representation if field.pk_field is not None else None)
    return read, _converter(field)


def _fallback(field: fields.Field) -> Callable[[Any], Any]:
    """DRF's own steps for one field (nested serializers, dotted sources, ``source="*"``)."""

    def generic(obj: Any) -> Any:
        attribute = field.get_attribute(obj)
        check = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
        return None if check is None else field.to_representation(attribute)

    return generic


def _many(child_plan: Plan) -> Callable[[Any], list[dict[str, Any]]]:
    def render_many(items: Any) -> list[dict[str, Any]]:
        if isinstance(items, models.Manager):
            items = items.all()
        return [render(child_plan, item) for item in items]

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
    # The class is compiled once (:func:`_template`), so a request neither deep-copies nor rebuilds the
    # serializer's fields to render; method fields and nested serializers are bound to the serializer
    # instance, so they see the request's context. Fields that need the request to render (files,
    # hyperlinks) or a nested single object make the class fall back to compiling its bound fields,
    # which is still one plan for the whole list. Custom fields' ``to_representation`` must not read
    # ``self.context`` (none of ours does).

    # Set on a serializer whose method fields read only columns and annotations, so its lists may be
    # fetched as ``.values()`` rows (see values_columns).
    methods_read_columns_only = False
    _plan: Plan | None = None

    def plan(self) -> Plan:
        if self._plan is None:
            template = _template(type(self))
            if template is None:
                self._plan = [
                    (field.field_name, *_compile_field(self, field))
                    for field in self._readable_fields  # type: ignore[attr-defined]
                ]
            else:
                self._plan = [self._bind(step) for step in template.steps]
        return self._plan

    def _bind(self, step: tuple[str, str, Any, Any]) -> tuple[str, Callable[[Any], Any], Any]:
        key, kind, first, second = step
        if kind == "method":
            return key, getattr(self, first), None
        if kind == "many":
            return key, first, _many(second(context=self.context).plan())
        return key, first, second

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return render(self.plan(), instance)


_columns_cache: dict[tuple[type, type, tuple[str, ...]], list[str] | None] = {}


def values_columns(serializer_class: type, queryset: models.QuerySet) -> list[str] | None:
    """The ``.values()`` names a list needs when every field reads a column or an annotation, else None.

    Method fields may read any concrete column, so every concrete column is fetched (a model
    instance has them all too); a field whose source is a property, a relation or a dotted path
    needs the model instance.
    """
    annotations = tuple(queryset.query.annotation_select)
    cache_key = (serializer_class, queryset.model, annotations)
    if cache_key not in _columns_cache:
        _columns_cache[cache_key] = _values_columns(serializer_class, queryset.model, annotations)
    return _columns_cache[cache_key]


def _values_columns(
    serializer_class: type, model: type[models.Model], annotations: tuple[str, ...]
) -> list[str] | None:
    if not issubclass(serializer_class, FastRepresentation):
        return None
    template = _template(serializer_class)
    if template is None or template.columns is None:
        return None
    if not serializer_class.methods_read_columns_only and any(kind == "method" for _, kind, _, _ in template.steps):
        return None
    concrete = [field.attname for field in model._meta.concrete_fields]
    if not template.columns <= {*concrete, *annotations}:
        return None
    return [*concrete, *annotations]


def as_rows(values: Iterable[dict[str, Any]]) -> list[Row]:
    return [Row(row) for row in values]
