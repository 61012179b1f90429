"""How one DRF field's value is rendered without DRF's per-row dispatch (``core.representation``).

A converter maps a non-None attribute to the field's representation; ``None`` means the value is
written unchanged (a ``CharField`` over a text column, an ``IntegerField`` over an integer one).
Anything else keeps the field's own ``to_representation``, so the output is DRF's, value for value.
"""

from __future__ import annotations

import datetime
import decimal
import operator
from collections.abc import Callable
from typing import Any

from django.db import models
from rest_framework import fields, relations, serializers

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

    convert.wire = None  # type: ignore[attr-defined]  # the JSON renderer writes UTC datetimes
    return convert


def _decimal_converter(field: fields.DecimalField, column: Any = None) -> Callable[[Any], Any]:
    slow = field.to_representation
    coerce = getattr(field, "coerce_to_string", fields.api_settings.COERCE_DECIMAL_TO_STRING)
    if not coerce or field.localize or field.decimal_places is None:
        return slow
    places = field.decimal_places
    digits = field.max_digits
    if not places:
        return slow

    def convert(value: Any) -> Any:
        # DRF quantizes to the field's places, then formats with "f". A numeric column's value has
        # its places already (quantizing is the identity), so only formatting is left, and str() is
        # that format when it shows a point and exactly ``places`` digits after it with no exponent
        # (it switches to "1E-7" notation only below 1e-6). The digit count may include a leading
        # zero: a value near the limit then takes DRF's way, never a wrong one.
        if value.__class__ is decimal.Decimal:
            text = str(value)
            if (
                len(text) > places
                and text[-places - 1] == "."
                and "E" not in text
                and (digits is None or len(text) - 1 - (text[0] == "-") <= digits)
            ):
                return text
        return slow(value)

    if (
        isinstance(column, models.DecimalField)
        and column.decimal_places == places <= 6
        and (digits is None or column.max_digits <= digits)
    ):
        # A numeric(p, s) column gives every value with exactly s places (PostgreSQL stores it at the
        # column's scale) and at most p digits, which str() writes as DRF does: without an exponent
        # while s <= 6 (Decimal("0.0000001") is "1E-7").
        convert.wire = str  # type: ignore[attr-defined]
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


def model_column(model: Any, name: str) -> Any:
    """The model field of the column behind attribute ``name`` (a foreign key: its target), or None."""
    for field in getattr(getattr(model, "_meta", None), "concrete_fields", ()):
        if field.attname == name:
            return field.target_field if field.is_relation else field
    return None


def wire_converter(convert: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """The converter of a value as the database gave it in a value row (``core.rows.Row``):
    the converter's ``wire`` attribute when it has one (None: written unchanged), else itself."""
    return getattr(convert, "wire", convert)


def blank_as_null(value: Any) -> str | None:
    """The converter of a field that shows an empty text as ``null`` (``blank_as_null`` set, e.g.
    ``core.fields.BlankAsNullField``); compiled representations write it inline."""
    return str(value) or None


def _converter(field: fields.Field, column: Any = None) -> Callable[[Any], Any] | None:
    """How a non-None attribute becomes its representation; None means "unchanged"."""
    column_type = None if column is None else column.get_internal_type()
    if getattr(field, "blank_as_null", False) and column_type in _COLUMN_TYPES[fields.CharField.to_representation]:
        return blank_as_null
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
    if method is fields.DecimalField.to_representation:
        return _decimal_converter(field, column)  # type: ignore[arg-type]
    return field.to_representation


def attribute_reader(field: fields.Field) -> tuple[Callable[[Any], Any] | None, str]:
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


def rendered_by_drf(field: fields.Field) -> bool:
    """Nested single objects and fields that need the request (files, hyperlinks) keep DRF's own steps."""
    return isinstance(field, (serializers.BaseSerializer, *_CONTEXT_FIELDS))


def attribute_converter(field: fields.Field, column: Any = None) -> Callable[[Any], Any] | None:
    """The converter of a field read as one attribute (a related object's primary key reads its
    ``_id``); ``column`` is the model field behind it, when known (see :func:`model_column`)."""
    if isinstance(field, relations.PrimaryKeyRelatedField):
        return field.pk_field.to_representation if field.pk_field is not None else None
    return _converter(field, column)


def fallback(field: fields.Field) -> Callable[[Any], Any]:
    """DRF's own steps for one field (nested serializers, dotted sources, ``source="*"``)."""

    def generic(obj: Any) -> Any:
        attribute = field.get_attribute(obj)
        check = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
        return None if check is None else field.to_representation(attribute)

    return generic
