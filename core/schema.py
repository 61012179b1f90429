"""drf-spectacular schema that documents the problem+json error responses on every operation."""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers

from core.exceptions import PROBLEM_CONTENT_TYPE


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
