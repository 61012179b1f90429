"""Every exception a view can raise, through DRF's ``handle_exception`` and the project's handler:
status, headers and problem body (docs/api-guide.md, "Errors"), pinned case by case."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, OperationalError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy
from rest_framework import exceptions as drf
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken

from core.exceptions import (
    Conflict,
    InvalidTransition,
    NotFound,
    PaymentDeclined,
    ServiceUnavailable,
    ValidationFailed,
)
from expedientes.models import Expediente


def _raise(make: Callable[[], Exception], **attrs: Any) -> Any:
    class Raising(APIView):
        permission_classes: list[Any] = []

        def get(self, request: Any) -> Any:
            raise make()

    for name, value in attrs.items():
        setattr(Raising, name, value)
    return Raising


def run(view: Any, language: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    request = APIRequestFactory().get("/x")
    with translation.override(language):
        response = view.as_view()(request)
        response.render()
    body = orjson.loads(response.content)
    body.pop("request_id")
    headers = {key: value for key, value in response.items() if key not in ("Vary", "X-Frame-Options")}
    return response.status_code, headers, body


VIEWS = {
    "conflict": _raise(lambda: Conflict()),
    "invalid_transition": _raise(lambda: InvalidTransition(allowed=["aprobado", "rechazado"])),
    "not_found_for_resource": _raise(lambda: NotFound.for_resource("Order")),
    "validation_failed_field": _raise(
        lambda: ValidationFailed.field("numero", gettext_lazy("Not found"), code="taken")
    ),
    "lazy_error_message": _raise(
        lambda: Conflict(
            "x", errors=[{"field": "a", "message": gettext_lazy("Not found"), "code": "c"}, {"field": "b"}]
        )
    ),
    "service_unavailable_headers": _raise(lambda: ServiceUnavailable(headers={"Retry-After": "7"})),
    "payment_declined_extra": _raise(lambda: PaymentDeclined(extra={"decline_code": "card", "status": 1})),
    "http404_resource_name": _raise(lambda: Http404("secret"), resource_name="Webhook endpoint"),
    "http404_queryset": _raise(lambda: Http404(), queryset=Expediente.objects.none()),
    "http404_unknown_resource": _raise(lambda: Http404(), resource_name="Thing"),
    "http404_bare": _raise(lambda: Http404("secret")),
    "django_permission_denied": _raise(lambda: DjangoPermissionDenied("secret")),
    "django_validation_dict": _raise(lambda: DjangoValidationError({"a": ["bad"], "__all__": ["worse"]})),
    "django_validation_list": _raise(lambda: DjangoValidationError(["one", "two"])),
    "request_data_too_big": _raise(lambda: RequestDataTooBig("settings.DATA_UPLOAD_MAX_MEMORY_SIZE")),
    "too_many_fields": _raise(lambda: TooManyFieldsSent("settings.DATA_UPLOAD_MAX_NUMBER_FIELDS")),
    "drf_validation_nested": _raise(
        lambda: drf.ValidationError({"items": [{}, {"q": ["Required."]}], "non_field_errors": ["x"]})
    ),
    "drf_validation_flat": _raise(lambda: drf.ValidationError("flat")),
    "parse_error": _raise(lambda: drf.ParseError("JSON parse error")),
    "not_authenticated": _raise(lambda: drf.NotAuthenticated()),
    "not_authenticated_no_authenticator": _raise(lambda: drf.NotAuthenticated(), authentication_classes=[]),
    "authentication_failed": _raise(lambda: drf.AuthenticationFailed()),
    "authentication_failed_no_authenticator": _raise(lambda: drf.AuthenticationFailed(), authentication_classes=[]),
    "authentication_failed_code": _raise(
        lambda: drf.AuthenticationFailed("Wrong password", code="invalid_credentials")
    ),
    "invalid_token": _raise(lambda: InvalidToken()),
    "permission_denied_code": _raise(lambda: drf.PermissionDenied("nope", code="custom")),
    "not_found_code": _raise(lambda: drf.NotFound("nope", code="custom"), resource_name="Order"),
    "method_not_allowed": _raise(lambda: drf.MethodNotAllowed("PATCH")),
    "not_acceptable": _raise(lambda: drf.NotAcceptable()),
    "unsupported_media_type": _raise(lambda: drf.UnsupportedMediaType("text/x")),
    "throttled_wait": _raise(lambda: drf.Throttled(wait=3.2)),
    "throttled_no_wait": _raise(lambda: drf.Throttled()),
    "throttled_zero": _raise(lambda: drf.Throttled(wait=0)),
    "api_exception": _raise(
        lambda: type("Teapot", (drf.APIException,), {"status_code": 418, "default_code": "teapot"})()
    ),
    "api_exception_dict": _raise(lambda: drf.APIException({"a": "b"})),
    "operational_error": _raise(lambda: OperationalError("db down")),
    "database_error": _raise(lambda: DatabaseError("secret sql")),
    "unexpected": _raise(lambda: ValueError("secret")),
}


# Recorded from the handler before it delegated to DRF's (docs/api-guide.md, "Errors").
EXPECTED = json.loads((Path(__file__).parent / "problem_responses.json").read_text(encoding="utf-8"))


def test_every_case_has_its_recorded_response() -> None:
    assert sorted(EXPECTED) == sorted(f"{name} {language}" for name in VIEWS for language in ("en", "es"))


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", list(VIEWS))
def test_response_is_the_recorded_one(name: str, language: str) -> None:
    status, headers, body = run(VIEWS[name], language)
    expected = EXPECTED[f"{name} {language}"]
    assert (status, headers, body) == (expected["status"], expected["headers"], expected["body"])
