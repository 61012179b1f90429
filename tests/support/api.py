"""The API as a client sees it: a client that checks every answer against the OpenAPI document,
tokens for a user, the login call and the problem+json assertion."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from tests.support.openapi import check_response

PASSWORD = "S3cure-pass!"


class SchemaCheckedClient(APIClient):
    """An APIClient that validates every JSON response against the generated OpenAPI schema."""

    check_schema = True

    def generic(self, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        response = super().generic(method, path, *args, **kwargs)
        if self.check_schema:
            check_response(method, path.split("?", 1)[0], response)
        return response


def access_token_for(user: Any) -> str:
    from rest_framework_simplejwt.tokens import RefreshToken

    return str(RefreshToken.for_user(user).access_token)


def login(client: Any, identifier: str, password: str = PASSWORD, *, field: str = "username", **extra: Any) -> Any:
    return client.post("/api/v1/auth/login", {field: identifier, "password": password}, format="json", **extra)


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    return body
