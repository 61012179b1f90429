from __future__ import annotations

from typing import Any

import pytest

from accounts import throttling
from tests.openapi_check import spec

PASSWORD = "S3cure-pass!"


@pytest.fixture(autouse=True)
def _clear_throttle_store(db: None) -> None:
    # The store is a table, so each test's rollback empties it too; this makes it explicit.
    throttling.clear_all()


def login(client: Any, identifier: str, password: str = PASSWORD, *, field: str = "username", **extra: Any) -> Any:
    return client.post("/api/v1/auth/login", {field: identifier, "password": password}, format="json", **extra)


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    return body


@pytest.fixture
def warm_schema() -> None:
    """Build the OpenAPI document before threads start: generating it is not thread-safe."""
    spec()
