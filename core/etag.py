"""Weak ETags from a ``version`` column and ``If-Match`` preconditions (docs/api-guide.md#optimistic-concurrency)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from core.exceptions import PreconditionFailed


def etag_for(version: int) -> str:
    return f'W/"{version}"'


def set_etag(response: Response, obj: Any) -> Response:
    response["ETag"] = etag_for(obj.version)
    return response


def expected_versions(request: Request) -> set[int] | None:
    """The versions ``If-Match`` accepts; ``None`` when absent or ``*`` (any version will do).

    An unparsable tag can never match a version, so it yields an empty set and a 412.
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    versions: set[int] = set()
    for tag in header.split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tag = tag.strip('"')
        if tag.isdigit():
            versions.add(int(tag))
    return versions


def ensure_version(current: int, expected: set[int] | None) -> None:
    """Raise 412 when the caller's ``If-Match`` names another version. Call it under the row lock."""
    if expected is not None and current not in expected:
        raise PreconditionFailed()
