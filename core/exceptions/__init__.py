"""Errors as RFC 9457 problem+json, the one shape every error of the API takes (docs/api-guide.md,
"Errors").

- :mod:`core.exceptions.errors`: what services raise (:class:`ApplicationError` and its kinds);
- :mod:`core.exceptions.problems`: the problem body and response;
- :mod:`core.exceptions.handler`: DRF's ``EXCEPTION_HANDLER``, which lets DRF's own handler answer
  and gives the answer the problem body, so views never build error responses by hand.

The names are re-exported here, where the apps import them from.
"""

from core.exceptions.errors import (
    NOT_FOUND_DETAILS,
    ApplicationError,
    Conflict,
    HasDependents,
    InsufficientStock,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    PaymentDeclined,
    PermissionDeniedError,
    PreconditionFailed,
    ServiceUnavailable,
    UnsupportedMediaType,
    UpstreamError,
    ValidationFailed,
    allowed_message,
    not_found_detail,
)
from core.exceptions.handler import problem_exception_handler
from core.exceptions.problems import (
    PROBLEM_CONTENT_TYPE,
    TITLES,
    TYPE_BASE,
    ProblemResponse,
    flatten_errors,
    problem_body,
    problem_response,
    server_error_response,
    summarize,
)

__all__ = [
    "NOT_FOUND_DETAILS",
    "PROBLEM_CONTENT_TYPE",
    "TITLES",
    "TYPE_BASE",
    "ApplicationError",
    "Conflict",
    "HasDependents",
    "InsufficientStock",
    "InvalidTransition",
    "NotFound",
    "PayloadTooLarge",
    "PaymentDeclined",
    "PermissionDeniedError",
    "PreconditionFailed",
    "ProblemResponse",
    "ServiceUnavailable",
    "UnsupportedMediaType",
    "UpstreamError",
    "ValidationFailed",
    "allowed_message",
    "flatten_errors",
    "not_found_detail",
    "problem_body",
    "problem_exception_handler",
    "problem_response",
    "server_error_response",
    "summarize",
]
