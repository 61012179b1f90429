from __future__ import annotations

from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_fallback = JSONEncoder().default


# A UTC datetime as DRF's encoder writes it (ISO 8601, "Z"): list pages hand them over unformatted.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z


class ORJSONRenderer(JSONRenderer):
    """JSON rendered by orjson; Decimal, lazy strings and the rest fall back to DRF's encoder."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        try:
            return orjson.dumps(data, default=_fallback, option=_OPTIONS)
        except TypeError:
            # orjson refuses integers beyond 64 bits (e.g. an absurd ?page= echoed back).
            return super().render(data, accepted_media_type, renderer_context)
