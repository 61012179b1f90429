"""RFC 9457 problem+json: the one body every error of the API takes (docs/api-guide.md, "Errors").

``title``, ``detail`` and each error's ``message`` are for people: they are written in the active
language (the request's Accept-Language, else the office's). ``type``, ``code``, ``status`` and
field paths are for programs and never change with the language.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response

from core.request_context import get_request_id

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://errors.expedientes.dev/"

TITLES = {
    400: _("Malformed request"),
    401: _("Not authenticated"),
    402: _("Payment declined"),
    403: _("Permission denied"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    409: _("Conflict"),
    411: _("Length required"),
    412: _("Precondition failed"),
    413: _("Payload too large"),
    415: _("Unsupported media type"),
    422: _("Validation failed"),
    429: _("Too many requests"),
    500: _("Internal server error"),
    502: _("Upstream error"),
    503: _("Service unavailable"),
}
GENERIC_TITLE = _("Error")

TYPE_SLUGS = {
    "parse_error": "parse-error",
    "validation_error": "validation",
    "not_authenticated": "not-authenticated",
    "invalid_credentials": "invalid-credentials",
    "token_not_valid": "token-not-valid",
    "permission_denied": "permission-denied",
    "not_found": "not-found",
}


def _texts(errors: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Messages given lazily (translated when read) become plain strings for the JSON renderer."""
    if not errors:
        return []
    if not any(isinstance(error.get("message"), Promise) for error in errors):
        return errors
    return [{**error, "message": str(error["message"])} if "message" in error else error for error in errors]


def problem_body(
    status_code: int,
    code: str,
    detail: str | Promise,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + TYPE_SLUGS.get(code, code.replace("_", "-")),
        "title": str(TITLES.get(status_code, GENERIC_TITLE)),
        "status": status_code,
        "detail": str(detail),
        "code": code,
        "errors": _texts(errors),
        "request_id": get_request_id(),
    }
    for key, value in (extra or {}).items():
        body.setdefault(key, value)
    return body


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    """Turn DRF's nested ``ErrorDetail`` structure into ``[{field, message, code}]`` with dotted paths."""
    out: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            out.extend(flatten_errors(value, path))
    elif isinstance(detail, list):
        # A list of ErrorDetail is several messages for one field; a list of dicts/lists is per index.
        if all(isinstance(item, str) for item in detail):
            for item in detail:
                out.extend(flatten_errors(item, prefix))
        else:
            for index, item in enumerate(detail):
                if item in ({}, [], None, ""):
                    continue
                path = f"{prefix}.{index}" if prefix else str(index)
                out.extend(flatten_errors(item, path))
    else:
        code = getattr(detail, "code", None) or "invalid"
        out.append({"field": prefix or None, "message": str(detail), "code": code})
    return out


def summarize(errors: list[dict[str, Any]], default: str | Promise) -> str:
    if not errors:
        return str(default)
    first = errors[0]
    text = f"{first['field']}: {first['message']}" if first.get("field") else first["message"]
    if len(errors) > 1:
        text += " " + gettext("(and %(count)d more)") % {"count": len(errors) - 1}
    return text


class ProblemResponse(Response):
    """A problem is JSON whatever renderer the view negotiated (the docs page's HTML, the schema's YAML)."""

    @property
    def rendered_content(self) -> bytes:
        from core.renderers import ORJSONRenderer

        self.accepted_renderer = ORJSONRenderer()
        self.accepted_media_type = PROBLEM_CONTENT_TYPE
        self.renderer_context = getattr(self, "renderer_context", None) or {}
        return super().rendered_content


def problem_response(
    status_code: int,
    code: str,
    detail: str | Promise,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    body = problem_body(status_code, code, detail, errors, extra)
    response = ProblemResponse(body, status=status_code, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def server_error_response() -> Response:
    return problem_response(500, "server_error", _("Internal server error"))
