"""DRF's ``EXCEPTION_HANDLER``: every error the API raises ends here (docs/api-guide.md, "Errors").

DRF's own handler builds the response (its status, ``WWW-Authenticate``, ``Retry-After``, the
rollback); this one only gives it the problem body. The project's :class:`ApplicationError` already
carries its problem, and the few Django errors DRF does not know become the API error they mean.
Anything else is logged and answered ``500`` (``503`` when the database is unreachable).
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

from core.exceptions.errors import ApplicationError, PayloadTooLarge, ValidationFailed, not_found_detail
from core.exceptions.problems import flatten_errors, problem_response, server_error_response, summarize

logger = logging.getLogger("core.exceptions")

# Sent with a 401 when the view names no authenticator of its own (DRF would answer 403 there).
DEFAULT_CHALLENGE = 'Bearer realm="api"'

# DRF's errors answered with their class's code whatever code they were raised with; some with a
# detail of ours instead of DRF's sentence.
FIXED_CODES: tuple[tuple[type[drf.APIException], Promise | None], ...] = (
    (drf.ParseError, None),
    (drf.NotAuthenticated, _("Not authenticated")),
    (drf.PermissionDenied, None),
    (drf.MethodNotAllowed, None),
    (drf.NotAcceptable, None),
    (drf.UnsupportedMediaType, None),
    (drf.Throttled, _("Too many requests")),
)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # Imported here: rest_framework.views loads the parser classes, and core.parsers imports
    # core.exceptions, so a top-level import is circular whenever core.exceptions comes first.
    from rest_framework.views import exception_handler, set_rollback

    exc = _as_api_error(exc)
    if isinstance(exc, ApplicationError):
        set_rollback()
        return problem_response(exc.status_code, exc.code, exc.detail, exc.errors, exc.headers, exc.extra)
    response = exception_handler(exc, context)
    if response is None:
        set_rollback()
        return _unexpected(exc)
    code, detail, errors = _problem_of(exc, context)
    headers = {name: value for name, value in response.items() if name != "Content-Type"}
    status_code = response.status_code
    if isinstance(exc, drf.ValidationError):
        status_code = status.HTTP_422_UNPROCESSABLE_ENTITY  # the body was read; its content is refused
    elif isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        status_code = status.HTTP_401_UNAUTHORIZED
        headers.setdefault("WWW-Authenticate", DEFAULT_CHALLENGE)
    elif isinstance(exc, drf.Throttled):
        headers.setdefault("Retry-After", "1")  # DRF leaves it out when the wait is unknown
    return problem_response(status_code, code, detail, errors, headers)


def _as_api_error(exc: Exception) -> Exception:
    """The Django errors DRF's handler does not translate (or translates with Django's message)."""
    if isinstance(exc, DjangoPermissionDenied):
        return drf.PermissionDenied()  # Django's message is for the log, not the client
    if isinstance(exc, DjangoValidationError):
        return drf.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(gettext("Request body too large"))
    if isinstance(exc, SuspiciousOperation):
        # TooManyFieldsSent / TooManyFilesSent (query string or form body past Django's limits): a
        # refused request, never a 500; 422 fits both a bad query string and a bad form body. The
        # exception text names Django settings, so it is not echoed.
        return ValidationFailed(gettext("Too many fields or files in the request"))
    return exc


def _problem_of(exc: Exception, context: dict[str, Any]) -> tuple[str, str | Promise, list[dict[str, Any]]]:
    """``code``, ``detail`` and ``errors`` of an error DRF's handler answered."""
    if isinstance(exc, drf.ValidationError):
        errors = flatten_errors(exc.detail)
        return "validation_error", summarize(errors, _("Validation failed")), errors
    if isinstance(exc, (Http404, drf.NotFound)):
        return "not_found", _not_found_detail(context), []
    assert isinstance(exc, drf.APIException)  # DRF's handler answers nothing else
    if isinstance(exc, drf.AuthenticationFailed):
        # simplejwt's errors carry a dict (detail, code, messages); DRF's generic code reads as ours.
        code = exc.get_codes()
        code = "token_not_valid" if not isinstance(code, str) or code == "authentication_failed" else code
        detail = exc.detail.get("detail") if isinstance(exc.detail, dict) else exc.detail
        return code, str(detail), []
    for cls, fixed_detail in FIXED_CODES:
        if isinstance(exc, cls):
            return str(cls.default_code), fixed_detail or str(exc.detail), []
    code = exc.get_codes()
    return (code if isinstance(code, str) else "error"), str(exc.detail), []


def _not_found_detail(context: dict[str, Any]) -> str:
    view = context.get("view")
    resource = getattr(view, "resource_name", None)
    if resource is None:
        queryset = getattr(view, "queryset", None)
        if queryset is not None:
            resource = queryset.model._meta.object_name
    return not_found_detail(resource)


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.exception("Database unavailable")
        return problem_response(503, "service_unavailable", _("Service unavailable"))
    if isinstance(exc, DatabaseError):
        logger.exception("Database error")
    else:
        logger.exception("Unhandled exception", exc_info=exc)
    return server_error_response()
