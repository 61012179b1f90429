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


def bearer(client: Any, token: str) -> Any:
    """``client`` sending ``Authorization: Bearer <token>`` from now on."""
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, its signature unchecked."""
    import jwt

    return dict(jwt.decode(token, options={"verify_signature": False}))


def login(client: Any, identifier: str, password: str = PASSWORD, *, field: str = "username", **extra: Any) -> Any:
    return client.post("/api/v1/auth/login", {field: identifier, "password": password}, format="json", **extra)


def refresh(client: Any, token: str) -> Any:
    """``POST /auth/refresh`` with ``token``, without the client's credentials."""
    client.credentials()
    return client.post("/api/v1/auth/refresh", {"refresh_token": token}, format="json")


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    return body


def error_fields(response: Any, status: int = 422) -> set[str]:
    """The fields a problem+json answer of ``status`` names in its ``errors``."""
    assert response.status_code == status, response.content
    return {error["field"] for error in response.json()["errors"]}
