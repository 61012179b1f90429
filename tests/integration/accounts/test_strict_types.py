"""Every accounts endpoint takes JSON strings where it expects text: any other type is a 422."""

from __future__ import annotations

import pytest

from accounts.models import User
from tests.support.api import PASSWORD, problem

pytestmark = pytest.mark.django_db

WRONG_TYPES = [1, 1.5, True, ["x"], {"a": 1}, None]


def _ids(values):
    return [type(value).__name__ for value in values]


@pytest.mark.parametrize("value", WRONG_TYPES, ids=_ids(WRONG_TYPES))
@pytest.mark.parametrize("field", ["email", "username", "password", "full_name"])
def test_register_refuses_non_strings(api_client, field, value):
    body = {"email": "ana@example.com", "username": "ana", "password": "Corr3ct-horse!", "full_name": "Ana"}
    body[field] = value
    errors = problem(api_client.post("/api/v1/auth/register", body, format="json"), 422, "validation_error")
    assert [error["field"] for error in errors["errors"]] == [field]
    assert not User.objects.filter(email="ana@example.com").exists()


@pytest.mark.parametrize("value", WRONG_TYPES, ids=_ids(WRONG_TYPES))
@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_login_refuses_non_strings(api_client, citizen, field, value):
    body = {"username": citizen.username, "password": PASSWORD, field: value}
    errors = problem(api_client.post("/api/v1/auth/login", body, format="json"), 422, "validation_error")
    assert errors["errors"][0]["field"] == field


@pytest.mark.parametrize("value", WRONG_TYPES, ids=_ids(WRONG_TYPES))
@pytest.mark.parametrize("path", ["/api/v1/auth/refresh", "/api/v1/auth/logout"])
def test_token_endpoints_refuse_non_strings(client_for, citizen, path, value):
    client = client_for(citizen)
    errors = problem(client.post(path, {"refresh_token": value}, format="json"), 422, "validation_error")
    assert errors["errors"][0]["field"] == "refresh_token"


@pytest.mark.parametrize("value", WRONG_TYPES, ids=_ids(WRONG_TYPES))
@pytest.mark.parametrize("field", ["username", "full_name"])
def test_profile_updates_refuse_non_strings(client_for, citizen, field, value):
    client = client_for(citizen)
    problem(client.patch("/api/v1/me", {field: value}, format="json"), 422, "validation_error")
    problem(client.patch(f"/api/v1/users/{citizen.pk}", {field: value}, format="json"), 422, "validation_error")
    citizen.refresh_from_db()
    assert citizen.version == 1


@pytest.mark.parametrize("value", WRONG_TYPES, ids=_ids(WRONG_TYPES))
@pytest.mark.parametrize("field", ["current_password", "new_password"])
def test_password_change_refuses_non_strings(client_for, citizen, field, value):
    body = {"current_password": PASSWORD, "new_password": "An0ther-pass-456", field: value}
    errors = problem(client_for(citizen).post("/api/v1/me/password", body, format="json"), 422, "validation_error")
    assert errors["errors"][0]["field"] == field


ADMIN_CASES = [
    (field, value)
    for field in ("email", "username", "password", "full_name", "role", "is_active")
    for value in WRONG_TYPES
    # 1 and true are booleans to DRF's BooleanField, which is what an admin means by them.
    if not (field == "is_active" and value in (1, True))
]


@pytest.mark.parametrize(("field", "value"), ADMIN_CASES, ids=[f"{f}-{type(v).__name__}" for f, v in ADMIN_CASES])
def test_admin_writes_refuse_wrong_types(admin_client_api, citizen, field, value):
    create = {"email": "new@example.com", "username": "newbie", "password": "Corr3ct-horse!", field: value}
    problem(admin_client_api.post("/api/v1/users", create, format="json"), 422, "validation_error")
    problem(
        admin_client_api.patch(f"/api/v1/users/{citizen.pk}", {field: value}, format="json"), 422, "validation_error"
    )
