"""Errors as RFC 9457 problem+json, the one shape every error of the API takes.

Services raise :class:`ApplicationError` subclasses (no HTTP knowledge needed); DRF and
Django errors are translated here too, so views never build error responses by hand.

``title``, ``detail`` and each error's ``message`` are for people: they are written in the active
language (the request's Accept-Language, else the office's). ``type``, ``code``, ``status`` and
field paths are for programs and never change with the language.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf
from rest_framework import status
from rest_framework.response import Response

from core.request_context import get_request_id

logger = logging.getLogger(__name__)

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

# ``404`` details name the resource (``User not found``); one sentence each, so every language can
# agree the words with the resource's gender.
NOT_FOUND_DETAILS = {
    "User": _("User not found"),
    "Expediente": _("Expediente not found"),
    "Documento": _("Documento not found"),
    "File": _("File not found"),
    "Category": _("Category not found"),
    "Product": _("Product not found"),
    "Cart item": _("Cart item not found"),
    "Order": _("Order not found"),
    "Payment": _("Payment not found"),
    "Webhook endpoint": _("Webhook endpoint not found"),
    "Webhook delivery": _("Webhook delivery not found"),
    "Event": _("Event not found"),
    "Audit event": _("Audit event not found"),
}


def not_found_detail(resource: str | None) -> str:
    """``<Resource> not found`` in the active language."""
    if not resource:
        return gettext("Not found")
    known = NOT_FOUND_DETAILS.get(resource)
    return str(known) if known is not None else gettext("%(resource)s not found") % {"resource": resource}


TYPE_SLUGS = {
    "parse_error": "parse-error",
    "validation_error": "validation",
    "not_authenticated": "not-authenticated",
    "invalid_credentials": "invalid-credentials",
    "token_not_valid": "token-not-valid",
    "permission_denied": "permission-denied",
    "not_found": "not-found",
}


class ApplicationError(Exception):
    """A rule of the domain was broken; carries everything the problem response needs."""

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    default_detail: str | Promise = _("Conflict")

    def __init__(
        self,
        detail: str | Promise | None = None,
        *,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        status_code: int | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.detail = detail or self.default_detail
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra or {}
        super().__init__(self.detail)


class Conflict(ApplicationError):
    pass


class InvalidTransition(ApplicationError):
    """409 naming the targets that are allowed from the current state (in ``errors`` and on top)."""

    code = "invalid_transition"
    default_detail = _("Transition not allowed")

    def __init__(
        self, detail: str | Promise | None = None, *, allowed: list[str] | None = None, field: str = "to", **kwargs: Any
    ) -> None:
        allowed = list(allowed or [])
        message = allowed_message(allowed)
        errors = kwargs.pop("errors", None) or [
            {"field": field, "message": message, "code": "invalid_transition", "allowed": allowed}
        ]
        super().__init__(detail, errors=errors, **kwargs)
        self.extra.setdefault("allowed_transitions", allowed)


def allowed_message(allowed: list[str]) -> str:
    """``Allowed: a, b`` (the values stay as they are: they are what a client sends)."""
    if not allowed:
        return gettext("Allowed: none")
    return gettext("Allowed: %(values)s") % {"values": ", ".join(allowed)}


class HasDependents(ApplicationError):
    code = "has_dependents"
    default_detail = _("The resource has dependent records")


class InsufficientStock(ApplicationError):
    code = "insufficient_stock"
    default_detail = _("Not enough stock")


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    default_detail = _("Not found")

    @classmethod
    def for_resource(cls, resource: str) -> NotFound:
        return cls(not_found_detail(resource))


class PermissionDeniedError(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"
    default_detail = _("You do not have permission to perform this action.")


class PreconditionFailed(ApplicationError):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    code = "precondition_failed"
    default_detail = _("If-Match does not match the current ETag")


class PayloadTooLarge(ApplicationError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "payload_too_large"
    default_detail = _("Payload too large")


class UnsupportedMediaType(ApplicationError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    code = "unsupported_media_type"
    default_detail = _("Unsupported media type")


class ValidationFailed(ApplicationError):
    """A rule about the input that a serializer cannot express (raised by services)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "validation_error"
    default_detail = _("Validation failed")

    @classmethod
    def field(cls, field: str, message: str | Promise, code: str = "invalid") -> ValidationFailed:
        message = str(message)
        return cls(f"{field}: {message}", errors=[{"field": field, "message": message, "code": code}])


class PaymentDeclined(ApplicationError):
    status_code = status.HTTP_402_PAYMENT_REQUIRED
    code = "payment_declined"
    default_detail = _("The payment was declined")


class UpstreamError(ApplicationError):
    status_code = status.HTTP_502_BAD_GATEWAY
    code = "upstream_error"
    default_detail = _("The payment provider failed")


class ServiceUnavailable(ApplicationError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "service_unavailable"
    default_detail = _("Service unavailable")


# --- rendering -------------------------------------------------------------------------------


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


def _not_found_detail(context: dict[str, Any]) -> str:
    view = context.get("view")
    resource = getattr(view, "resource_name", None)
    if resource is None:
        queryset = getattr(view, "queryset", None)
        if queryset is not None:
            resource = queryset.model._meta.object_name
    return not_found_detail(resource)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF ``EXCEPTION_HANDLER``: every error the API raises ends here."""
    # Imported here: rest_framework.views loads the parser classes, and core.parsers imports this
    # module, so a top-level import is circular whenever core.exceptions is imported first.
    from rest_framework.views import set_rollback

    set_rollback()
    if isinstance(exc, ApplicationError):
        return problem_response(exc.status_code, exc.code, exc.detail, exc.errors, exc.headers, exc.extra)

    if isinstance(exc, Http404):
        return problem_response(404, "not_found", _not_found_detail(context))
    if isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        exc = drf.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, RequestDataTooBig):
        return problem_response(413, "payload_too_large", gettext("Request body too large"))
    if isinstance(exc, SuspiciousOperation):
        # TooManyFieldsSent / TooManyFilesSent (query string or form body past Django's limits): a
        # refused request, never a 500; 422 fits both a bad query string and a bad form body. The
        # exception text names Django settings, so it is not echoed.
        return problem_response(422, "validation_error", gettext("Too many fields or files in the request"))

    if isinstance(exc, drf.ValidationError):
        errors = flatten_errors(exc.detail)
        return problem_response(422, "validation_error", summarize(errors, _("Validation failed")), errors)
    if isinstance(exc, drf.ParseError):
        return problem_response(400, "parse_error", str(exc.detail))
    if isinstance(exc, drf.NotAuthenticated):
        return problem_response(401, "not_authenticated", _("Not authenticated"), headers=_auth_headers(context))
    if isinstance(exc, drf.AuthenticationFailed):
        code = exc.get_codes()
        code = code if isinstance(code, str) else "token_not_valid"
        if code == "authentication_failed":
            code = "token_not_valid"
        detail = exc.detail.get("detail") if isinstance(exc.detail, dict) else exc.detail
        return problem_response(401, code, str(detail), headers=_auth_headers(context))
    if isinstance(exc, drf.PermissionDenied):
        return problem_response(403, "permission_denied", str(exc.detail))
    if isinstance(exc, drf.NotFound):
        return problem_response(404, "not_found", _not_found_detail(context))
    if isinstance(exc, drf.MethodNotAllowed):
        return problem_response(405, "method_not_allowed", str(exc.detail))
    if isinstance(exc, drf.NotAcceptable):
        return problem_response(406, "not_acceptable", str(exc.detail))
    if isinstance(exc, drf.UnsupportedMediaType):
        return problem_response(415, "unsupported_media_type", str(exc.detail))
    if isinstance(exc, drf.Throttled):
        headers = {"Retry-After": str(int(exc.wait or 1))}
        return problem_response(429, "throttled", _("Too many requests"), headers=headers)
    if isinstance(exc, drf.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        return problem_response(exc.status_code, code, str(exc.detail))

    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.exception("Database unavailable")
        return problem_response(503, "service_unavailable", _("Service unavailable"))
    if isinstance(exc, DatabaseError):
        logger.exception("Database error")
        return server_error_response()

    logger.exception("Unhandled exception", exc_info=exc)
    return server_error_response()


def server_error_response() -> Response:
    return problem_response(500, "server_error", _("Internal server error"))


def _auth_headers(context: dict[str, Any]) -> dict[str, str]:
    request = context.get("request")
    view = context.get("view")
    if request is not None and view is not None:
        header = view.get_authenticate_header(request)
        if header:
            return {"WWW-Authenticate": header}
    return {"WWW-Authenticate": 'Bearer realm="api"'}
