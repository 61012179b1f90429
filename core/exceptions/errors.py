"""The errors services raise: a broken rule of the domain, with everything its problem response
needs (status, code, detail, per-field errors) and no HTTP knowledge (docs/api-guide.md, "Errors")."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import status

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
