"""Serializer fields shared by the apps."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import models
from rest_framework import serializers

from core.representation import FastRepresentation

# Format characters (Unicode category Cf) draw nothing: bidi controls (U+202A-U+202E,
# U+2066-U+2069, U+200E/U+200F, U+061C) reorder what a clerk reads, zero-width ones hide
# differences. The zero-width non-joiner and joiner are kept: Persian, Indic scripts and emoji need
# them to spell words, and they reorder nothing.
_JOINERS = frozenset("\u200c\u200d")


def is_hidden_format_character(char: str) -> bool:
    return unicodedata.category(char) == "Cf" and char not in _JOINERS


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
        "format_character": "Invisible formatting characters such as U+{code} are not allowed.",
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


class StrictStringsModelSerializer(FastRepresentation, serializers.ModelSerializer):
    """A ModelSerializer whose model text fields accept only JSON strings (see StrictCharField)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }
