"""Serializer fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import serializers

from core.representation import FastRepresentation


class StrictCharField(serializers.CharField):
    """A string field that takes only JSON strings: DRF's CharField turns ``123`` or ``1.5`` into
    ``"123"``/``"1.5"``, so a client's wrong type would be stored instead of answered with 422."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictStringsModelSerializer(FastRepresentation, serializers.ModelSerializer):
    """A ModelSerializer whose model text fields accept only JSON strings (see StrictCharField)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }
