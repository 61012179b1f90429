"""Output serializers compiled once per class, so rendering a row costs a dict build, not DRF's dispatch.

DRF's ``Serializer.to_representation`` walks every field of every row through ``get_attribute``
(a ``source_attrs`` loop with exception handling) and the field's ``to_representation``, after the
serializer has rebuilt and deep-copied its fields for the request; on a list page that was most of
the request. :class:`FastRepresentation` keeps the serializer as it is (validation, schema and
behaviour are DRF's) and only replaces how an object becomes a dict: each class is compiled once
(:func:`_template`) into one generated dict literal of attribute reads, with a converter only where
DRF would change the value (a short ISO 8601 formatter for UTC datetimes, the field's own
``to_representation`` for decimals and custom fields). The result is the same dict DRF builds, key
for key; a test compares both for every serializer that uses it.

Lists may go further: :func:`values_plan` tells whether every field reads a database column or an
annotation (nested lists included), in which case the page is fetched as value tuples and each row
is a :class:`Row` whose attributes are the columns, so no model instance is built per row.
"""

from __future__ import annotations

import datetime
import keyword
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import models
from django.db.models.fields.reverse_related import ManyToOneRel, OneToOneRel
from django.utils import timezone
from rest_framework import fields, relations, serializers
from rest_framework.fields import SkipField

_UTC = datetime.UTC

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
    Rows exist only on list pages (:func:`fetch_rows`), whose dicts go straight to the JSON renderer,
    and their datetimes come from the database in UTC: a serializer renders a row with its datetimes
    left as they are (``make_wire``), and the renderer writes them as DRF would (ISO 8601, ``Z``),
    in C instead of one Python call per value.
    """

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values


def _datetime_converter(field: fields.DateTimeField) -> Callable[[Any], Any]:
    slow = field.to_representation
    if getattr(field, "format", fields.api_settings.DATETIME_FORMAT) != fields.ISO_8601:
        return slow

    def convert(value: Any) -> Any:
        # DRF: localtime (UTC: renderer() only compiles while UTC is current) then isoformat with
        # "+00:00" spelled "Z". Database values arrive in UTC already.
        if value.__class__ is datetime.datetime and value.tzinfo is not None:
            if value.tzinfo is not _UTC:
                value = value.astimezone(_UTC)
            return value.isoformat()[:-6] + "Z"
        return slow(value)

    convert.wire_passthrough = True  # type: ignore[attr-defined]
    return convert


# Columns whose non-None values are already of the type a passthrough field checks for.
_COLUMN_TYPES: dict[Any, set[str]] = {
    fields.CharField.to_representation: {"CharField", "TextField", "SlugField"},
    fields.ChoiceField.to_representation: {"CharField", "TextField", "SlugField"},
    fields.IntegerField.to_representation: {
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
    },
    fields.BooleanField.to_representation: {"BooleanField"},
}


def _column_type(model: Any, name: str) -> str | None:
    """The internal type of the column behind attribute ``name`` (a foreign key: its target's)."""
    for field in getattr(getattr(model, "_meta", None), "concrete_fields", ()):
        if field.attname == name:
            target = field.target_field if field.is_relation else field
            return str(target.get_internal_type())
    return None


def _converter(field: fields.Field, column_type: str | None = None) -> Callable[[Any], Any] | None:
    """How a non-None attribute becomes its representation; None means "unchanged"."""
    method = type(field).to_representation
    if isinstance(field, fields.BigIntegerField) and not getattr(
        field, "coerce_to_string", fields.api_settings.COERCE_BIGINT_TO_STRING
    ):
        method = fields.IntegerField.to_representation  # ints stay ints unless coerced to strings
    if method in _PASSTHROUGH:
        types = _PASSTHROUGH_TYPES.get(method)
        if types is None or column_type in _COLUMN_TYPES.get(method, ()):
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


def _template(cls: type[FastRepresentation]) -> _Template | None:
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
        read, name = _attribute_reader(field)
        if read is None or not name.isidentifier() or keyword.iskeyword(name):
            break
        if isinstance(field, serializers.ListSerializer):
            child = type(field.child)
            if not issubclass(child, FastRepresentation) or _template(child) is None:
                break
            steps.append((key, "many", name, child))
            nested.append((name, child))
            continue
        if _rendered_by_drf(field):
            break
        convert = _attribute_converter(field, _column_type(getattr(getattr(cls, "Meta", None), "model", None), name))
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

    With ``wire``, datetimes are left to the JSON renderer (value rows only: see :class:`Row`).
    Only attribute names (identifiers, checked above) and ``repr`` of the keys reach the source.
    """
    items = []
    for i, (key, kind, name, extra) in enumerate(steps):
        if kind == "method":
            expression = f"a{i}(obj)"
        elif kind == "attr" and (extra is None or (wire and getattr(extra, "wire_passthrough", False))):
            expression = f"obj.{name}"
        else:
            expression = f"(None if (v{i} := obj.{name}) is None else a{i}(v{i}))"
        items.append(f"{key!r}: {expression}")
    unpack = "".join(f"a{i}, " for i in range(len(steps)))
    source = (
        "def make(args):\n"
        f"    ({unpack}) = args\n"
        "    def render(obj):\n"
        f"        return {{{', '.join(items)}}}\n"
        "    return render\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<FastRepresentation>", "exec"), namespace)  # noqa: S102 - source built above
    return namespace["make"]


def _compile_field(serializer: serializers.Serializer, field: fields.Field) -> Step:
    """One field of a serializer without a template, compiled against its bound field."""
    if isinstance(field, fields.SerializerMethodField):
        return getattr(serializer, field.method_name), None
    read, _ = _attribute_reader(field)
    if read is None or _rendered_by_drf(field):
        return _fallback(field), None
    return read, _attribute_converter(field)


def _rendered_by_drf(field: fields.Field) -> bool:
    """Nested single objects and fields that need the request (files, hyperlinks) keep DRF's own steps."""
    return isinstance(field, (serializers.BaseSerializer, *_CONTEXT_FIELDS))


def _attribute_converter(field: fields.Field, column_type: str | None = None) -> Callable[[Any], Any] | None:
    """The converter of a field read as one attribute (a related object's primary key reads its ``_id``)."""
    if isinstance(field, relations.PrimaryKeyRelatedField):
        return field.pk_field.to_representation if field.pk_field is not None else None
    return _converter(field, column_type)


def _fallback(field: fields.Field) -> Callable[[Any], Any]:
    """DRF's own steps for one field (nested serializers, dotted sources, ``source="*"``)."""

    def generic(obj: Any) -> Any:
        attribute = field.get_attribute(obj)
        check = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
        return None if check is None else field.to_representation(attribute)

    return generic


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
    # The class is compiled once (:func:`_template`), so a request neither deep-copies nor rebuilds the
    # serializer's fields to render; method fields and nested serializers are bound to the serializer
    # instance, so they see the request's context. Fields that need the request to render (files,
    # hyperlinks) or a nested single object make the class fall back to compiling its bound fields,
    # which is still one plan for the whole list. Custom fields' ``to_representation`` must not read
    # ``self.context`` (none of ours does).

    # Set on a serializer whose method fields read only columns and annotations, so its lists may be
    # fetched as ``.values()`` rows (see values_plan).
    methods_read_columns_only = False
    _renderer: Callable[[Any], dict[str, Any]] | None = None
    _wire_renderer: Callable[[Any], dict[str, Any]] | None = None

    def renderer(self) -> Callable[[Any], dict[str, Any]]:
        """``renderer()(obj)`` is this serializer's representation of ``obj``; built once per instance."""
        if self._renderer is None:
            template = _template(type(self))
            if timezone.get_current_timezone_name() != "UTC":
                # DRF renders datetimes in the active time zone; the compiled converters assume UTC.
                self._renderer = partial(serializers.Serializer.to_representation, self)
            elif template is None:
                plan = [
                    (field.field_name, *_compile_field(self, field))
                    for field in self._readable_fields  # type: ignore[attr-defined]
                ]
                self._renderer = partial(render, plan)
            else:
                self._renderer = template.make(
                    [self._bind(kind, name, extra) for _, kind, name, extra in template.steps]
                )
        return self._renderer

    def wire_renderer(self) -> Callable[[Any], dict[str, Any]]:
        """The renderer of value rows (see :class:`Row`); the plain one when there is no template."""
        if self._wire_renderer is None:
            template = _template(type(self))
            if template is None or timezone.get_current_timezone_name() != "UTC":
                self._wire_renderer = self.renderer()
            else:
                self._wire_renderer = template.make_wire(
                    [self._bind(kind, name, extra, wire=True) for _, kind, name, extra in template.steps]
                )
        return self._wire_renderer

    def _bind(self, kind: str, name: str, extra: Any, wire: bool = False) -> Any:
        if kind == "method":
            return getattr(self, name)
        if kind == "many":
            child = extra(context=self.context)
            return _many(child.wire_renderer() if wire else child.renderer())
        return extra

    def to_representation(self, instance: Any) -> dict[str, Any]:
        if instance.__class__ is Row:
            return self.wire_renderer()(instance)
        return self.renderer()(instance)


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
    template = _template(serializer_class)
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
        children.append((name, child_model, str(relation.field.attname), child.columns))
    return ValuesPlan([*concrete, *annotations], tuple(children))


def fetch_rows(queryset: models.QuerySet, plan: ValuesPlan) -> list[Row]:
    """The queryset's rows as :class:`Row` objects, nested lists attached: as many queries as
    ``prefetch_related`` would make, no model instance."""
    columns = plan.columns
    rows = [Row(dict(zip(columns, values, strict=True))) for values in queryset.values_list(*columns)]
    if plan.children and rows:
        by_pk = {row.__dict__[queryset.model._meta.pk.attname]: row for row in rows}  # type: ignore[union-attr]
        for name, child_model, fk, child_columns in plan.children:
            groups: dict[Any, list[Row]] = {pk: [] for pk in by_pk}
            related = child_model._default_manager.filter(**{f"{fk}__in": list(by_pk)})
            for values in related.values_list(*child_columns):
                child = Row(dict(zip(child_columns, values, strict=True)))
                groups[child.__dict__[fk]].append(child)
            for pk, row in by_pk.items():
                row.__dict__[name] = groups[pk]
    return rows


def api_data(serializer: serializers.BaseSerializer) -> dict[str, Any]:
    """``serializer.data`` as the API writes it, whatever time zone is active: services build event
    payloads and audit changes with it, and a service called from the admin runs in the office's zone."""
    with timezone.override(_UTC):
        return dict(serializer.data)
