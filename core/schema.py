"""drf-spectacular schema that documents the problem+json error responses on every operation."""

from __future__ import annotations

from typing import Any, Literal

from django import forms
from django.core.validators import RegexValidator
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from core.exceptions import PROBLEM_CONTENT_TYPE
from core.fields import StrictCharField, StrictDecimalField, decimal_pattern, text_pattern


class ProblemErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    code = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = ProblemErrorSerializer(many=True)
    request_id = serializers.CharField(allow_null=True)


ERROR_DESCRIPTIONS = {
    "400": "Malformed body (parse_error)",
    "401": "Not authenticated or token not valid",
    "403": "Permission denied",
    "404": "Not found",
    "409": "Conflict",
    "412": "If-Match does not match the current ETag",
    "413": "Payload too large",
    "415": "Unsupported media type",
    "422": "Validation failed",
    "429": "Throttled",
    "500": "Internal server error",
    "503": "Service unavailable",
}


class AutoSchema(SpectacularAutoSchema):
    def get_auth(self) -> list[dict[str, Any]]:
        """Each security requirement once; ``{}`` (no credentials) added where a permission lets
        anyone read (``anonymous_reads``), e.g. the catalog, so clients know no token is needed."""
        auths: list[dict[str, Any]] = []
        for requirement in super().get_auth():
            if requirement not in auths:
                auths.append(requirement)
        anonymous = any(getattr(permission, "anonymous_reads", False) for permission in self.view.get_permissions())
        if auths and {} not in auths and anonymous and self.method in SAFE_METHODS:
            auths.append({})
        return auths

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False) -> Any:
        """Request fields as the server checks them: text refuses what ``StrictCharField`` and its
        validators refuse (a ``pattern``), lists say how many items they take."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or not isinstance(schema, dict) or getattr(field, "read_only", False):
            return schema
        validators = list(getattr(field, "validators", []))
        has_regex = any(isinstance(validator, RegexValidator) for validator in validators)
        if isinstance(field, StrictCharField) and not has_regex and not field.format_characters:
            controls = any(getattr(validator, "refuses_control_characters", False) for validator in validators)
            visible = any(getattr(validator, "refuses_blank", False) for validator in validators) or (
                field.trim_whitespace and not field.allow_blank
            )
            schema["pattern"] = text_pattern(controls=controls, visible=visible)
        if isinstance(field, StrictDecimalField):
            schema["pattern"] = decimal_pattern(field)
        if isinstance(field, (serializers.ListSerializer, serializers.ListField)) and schema.get("type") == "array":
            if not getattr(field, "allow_empty", True):
                schema.setdefault("minItems", 1)
            if getattr(field, "max_length", None) is not None:
                schema.setdefault("maxItems", field.max_length)
        return schema

    def _get_request_for_media_type(
        self, serializer: Any, direction: Literal["request", "response"] = "request"
    ) -> Any:
        # A PATCH body is documented as partial, as DRF reads it, unless its serializer says every
        # field is needed even then (``whole_on_patch``, e.g. the cart line's quantity).
        if self.method == "PATCH" and getattr(serializer, "whole_on_patch", False):
            self.method = "POST"
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PATCH"
        return super()._get_request_for_media_type(serializer, direction)

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        bodies = super()._get_response_bodies(direction)
        public = not self.get_auth()
        wanted = ["400", "422", "500", "503", "429"] if public else list(ERROR_DESCRIPTIONS)
        if self.method in ("GET", "DELETE", "HEAD"):
            wanted = [code for code in wanted if code not in ("400", "413", "415")]
        if self.method not in ("PUT", "PATCH", "POST", "DELETE"):
            wanted = [code for code in wanted if code != "412"]
        for code in wanted:
            if code in bodies:
                continue
            body = self._get_response_for_code(ProblemSerializer, code, media_types=[PROBLEM_CONTENT_TYPE])
            body["description"] = ERROR_DESCRIPTIONS[code]
            bodies[code] = body
        return bodies


class JWTScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.JWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


BOOLEAN_CHOICES = {"true", "false", "True", "False", "1", "0"}


class FilterSchemaExtension(DjangoFilterExtension):
    """django-filter parameters described as the server reads them: an integer id filter is an
    ``integer`` (with its minimum), a strict boolean is a ``boolean``, a length limit is a
    ``maxLength``, so a client (or a generated test) sending what the schema allows is answered."""

    target_class = "core.filters.QueryFilterBackend"
    priority = 1

    def resolve_filter_field(
        self, auto_schema: Any, model: Any, filterset_class: Any, field_name: str, filter_field: Any
    ) -> list[dict[str, Any]]:
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        for parameter in parameters:
            parameter["allowEmptyValue"] = True  # django-filter reads an empty value as no filter
            schema = parameter.get("schema", {})
            if getattr(filter_field, "field_class", None) is forms.IntegerField:
                schema.clear()
                schema["type"] = "integer"  # no int64 bound: a larger id is simply unknown (no match)
                if filter_field.extra.get("min_value") is not None:
                    schema["minimum"] = filter_field.extra["min_value"]
            elif schema.get("type") == "boolean" or set(schema.get("enum") or ()) == BOOLEAN_CHOICES:
                schema.clear()
                schema["type"] = "boolean"
            maximum = getattr(filter_field, "get_max_validator", lambda: None)()
            if maximum is not None and schema.get("type") == "number":
                schema["maximum"] = maximum.limit_value
            if filter_field.extra.get("max_length") is not None and schema.get("type") == "string":
                schema["maxLength"] = filter_field.extra["max_length"]
        return parameters
