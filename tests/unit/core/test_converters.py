"""core.converters: a field's converter gives what the field's own ``to_representation`` gives."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import models
from rest_framework import fields

from core.converters import attribute_converter, wire_converter

DECIMALS: list[Any] = [
    Decimal("12.50"),
    Decimal("0.00"),
    Decimal("-0.00"),
    Decimal("99999999.99"),
    Decimal("-12.05"),
    Decimal("12.5"),
    Decimal("12.555"),
    Decimal("12"),
    Decimal("1E+2"),
    Decimal("0.005"),
    Decimal("123456789012.34"),
    Decimal("0.50"),
    Decimal("1.0000001"),
    Decimal("0.0000001"),
    Decimal("-0.0000010"),
    Decimal("1"),
    Decimal("NaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    12.5,
    3,
    "7.10",
]


@pytest.mark.parametrize(
    "field",
    [
        fields.DecimalField(max_digits=10, decimal_places=2),
        fields.DecimalField(max_digits=None, decimal_places=2),
        fields.DecimalField(max_digits=12, decimal_places=3),
        fields.DecimalField(max_digits=2, decimal_places=2),
        fields.DecimalField(max_digits=12, decimal_places=7),
        fields.DecimalField(max_digits=12, decimal_places=0),
        fields.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False),
        fields.DecimalField(max_digits=10, decimal_places=None),
    ],
    ids=["10,2", "None,2", "12,3", "2,2", "12,7", "12,0", "not-coerced", "no-places"],
)
def test_decimal_values_render_as_drf_renders_them(field: fields.DecimalField) -> None:
    convert = attribute_converter(field, models.DecimalField(max_digits=10, decimal_places=2))
    assert convert is not None
    for value in DECIMALS:
        try:
            expected: Any = field.to_representation(value)
        except Exception as error:
            with pytest.raises(type(error)):
                convert(value)
            continue
        # repr, not ==: Decimal("NaN") equals nothing, itself included.
        assert (repr(convert(value)), type(convert(value))) == (repr(expected), type(expected)), value


@pytest.mark.parametrize(("digits", "places"), [(12, 2), (10, 2), (6, 6), (9, 1)])
def test_a_decimal_column_read_as_stored_renders_with_str_as_drf_renders_it(digits: int, places: int) -> None:
    """What a numeric(p, s) column gives (s places, at most p digits) is written by ``str`` as DRF writes it."""
    column = models.DecimalField(max_digits=digits, decimal_places=places)
    field = fields.DecimalField(max_digits=digits, decimal_places=places)
    convert = wire_converter(attribute_converter(field, column))
    assert convert is str
    stored = set()
    for value in DECIMALS:
        if isinstance(value, Decimal) and value.is_finite():
            quantized = value.quantize(Decimal(1).scaleb(-places))
            if len(quantized.as_tuple().digits) <= digits:
                stored.add(quantized)
    stored |= {Decimal(10**digits - 1).scaleb(-places), Decimal(1).scaleb(-places), Decimal(0).scaleb(-places)}
    assert len(stored) >= 5
    for value in stored:
        assert convert(value) == field.to_representation(value), value


@pytest.mark.parametrize(
    "column",
    [
        models.DecimalField(max_digits=12, decimal_places=3),  # more places than the field shows
        models.DecimalField(max_digits=14, decimal_places=2),  # more digits than the field allows
        models.DecimalField(max_digits=12, decimal_places=7),  # str() would write 1E-7
        None,  # an annotation: nothing known of its scale
    ],
)
def test_a_decimal_of_another_shape_keeps_the_checked_converter(column: Any) -> None:
    places = 7 if column is not None and column.decimal_places == 7 else 2
    convert = attribute_converter(fields.DecimalField(max_digits=12, decimal_places=places), column)
    assert wire_converter(convert) is convert
