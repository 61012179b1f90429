"""What DRF itself renders, to compare the compiled representations with."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


def drf_representation(serializer: serializers.Serializer, instance: Any) -> dict[str, Any]:
    """What DRF itself builds: ``Serializer.to_representation``, field by field."""
    return dict(serializers.Serializer.to_representation(serializer, instance))
