"""core.converters: a field's converter gives what the field's own ``to_representation`` gives."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework import fields

from core.converters import attribute_converter

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
    convert = attribute_converter(field, "DecimalField")
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
