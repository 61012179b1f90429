"""orjson-backed JSON parser with the contract's limits (1 MiB, objects only, no NUL)."""

from __future__ import annotations

from typing import Any

import orjson
from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from core.exceptions import PayloadTooLarge


def _contains_nul(value: Any) -> bool:
    # PostgreSQL text cannot store U+0000; refusing it here keeps it from becoming a 500 later.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class ORJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.JSON_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(_("JSON body larger than 1 MiB"))
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
        if not isinstance(data, dict):
            raise ParseError(_("JSON body must be an object"))
        if _contains_nul(data):
            raise ParseError(_("NUL characters are not allowed"))
        return data
