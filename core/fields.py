"""Serializer fields shared by the apps."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from core.converters import blank_as_null
from core.representation import FastRepresentation

# Format characters (Unicode category Cf) draw nothing: bidi controls (U+202A-U+202E,
# U+2066-U+2069, U+200E/U+200F, U+061C) reorder what a clerk reads, zero-width ones hide
# differences. The zero-width non-joiner and joiner are kept: Persian, Indic scripts and emoji need
# them to spell words, and they reorder nothing.
_JOINERS = frozenset("\u200c\u200d")


def is_hidden_format_character(char: str) -> bool:
    return unicodedata.category(char) == "Cf" and char not in _JOINERS


def _format_character_class() -> str:
    """The hidden format characters of the Basic Multilingual Plane as the inside of a regex
    character class, in ``\\uXXXX`` escapes that ECMA-262 and Python read alike. (The few beyond
    it, such as the tag characters, have no such escape: the server refuses them all the same.)"""
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):
        if is_hidden_format_character(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in ranges)


FORMAT_CHARACTER_CLASS = _format_character_class()
CONTROL_CHARACTER_CLASS = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f"


def text_pattern(*, controls: bool, visible: bool) -> str:
    """The schema's ``pattern`` for text that refuses hidden format characters (and, with
    ``controls``, control characters other than tab and line breaks; with ``visible``, text that
    is only whitespace). Python regex syntax, as the schema's Python tooling reads it."""
    excluded = FORMAT_CHARACTER_CLASS + (CONTROL_CHARACTER_CLASS if controls else "")
    if visible:
        return f"^[^{excluded}]*[^{excluded}\\s][^{excluded}]*$"
    return f"^[^{excluded}]*$"


def refuses_control_characters(validator: Any) -> Any:
    """Mark a validator that refuses control characters, so the schema's pattern says so too."""
    validator.refuses_control_characters = True
    return validator


def refuses_blank(validator: Any) -> Any:
    """Mark a validator that refuses whitespace-only text, so the schema's pattern says so too."""
    validator.refuses_blank = True
    return validator


def strip_format_characters(text: str) -> str:
    """``text`` without its hidden format characters (for names the server derives, e.g. from a file's)."""
    return "".join(char for char in text if not is_hidden_format_character(char))


class StrictCharField(serializers.CharField):
    """A string field that takes only JSON strings: DRF's CharField turns ``123`` or ``1.5`` into
    ``"123"``/``"1.5"``, so a client's wrong type would be stored instead of answered with 422.

    Text people read (names, titles, addresses, comments) refuses hidden format characters with a
    ``422`` on the field; secrets and credentials, which nobody reads, pass
    ``format_characters=True`` so that no existing password stops working.
    """

    default_error_messages = {
        "format_character": gettext_lazy("Invisible formatting characters such as U+{code} are not allowed."),
    }

    def __init__(self, *, format_characters: bool = False, **kwargs: Any) -> None:
        self.format_characters = format_characters
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if not self.format_characters:
            for char in data:
                if is_hidden_format_character(char):
                    self.fail("format_character", code=f"{ord(char):04X}")
        return super().to_internal_value(data)


class BlankAsNullField(serializers.CharField):
    """A text column shown as ``null`` while it is empty (a payment's ``transaction_id`` before the
    provider gives one). Read-only; ``core.representation`` renders it inline (``value or None``)."""

    blank_as_null = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value: Any) -> str | None:
        return blank_as_null(value)


class StrictBooleanField(serializers.BooleanField):
    """``true`` or ``false`` only: DRF's BooleanField also reads ``0``, ``"yes"`` and ``"on"``."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictSlugField(serializers.SlugField):
    """A slug that takes only JSON strings (``0`` is a 422, not the slug ``"0"``)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDecimalField(serializers.DecimalField):
    """Money in, as money goes out: a decimal string (``"12.50"``), never a JSON number (a float's
    rounding is not the client's amount) and nothing Python would also read (``" 1"``, ``"1e2"``)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or not re.fullmatch(decimal_pattern(self), data):
            self.fail("invalid")
        return super().to_internal_value(data)


def decimal_pattern(field: serializers.DecimalField) -> str:
    """The decimal strings ``field`` takes, as a regex (also the schema's ``pattern``)."""
    places = field.decimal_places
    whole = None if field.max_digits is None or places is None else field.max_digits - places
    sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
    digits = r"\d+" if whole is None else rf"\d{{1,{max(whole, 1)}}}"
    fraction = r"(\.\d+)?" if places is None else rf"(\.\d{{1,{places}}})?"
    return rf"^{sign}{digits}{fraction}$"


class StrictStringsModelSerializer(FastRepresentation, serializers.ModelSerializer):
    """A ModelSerializer whose model text fields accept only JSON strings (see StrictCharField)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.BooleanField: StrictBooleanField,
    }
