"""docs/api-guide.md#accounts edge cases a black-box client hits: wrong JSON types, auth headers, cursor ordering."""

from __future__ import annotations

import pytest

from accounts.models import User
from tests.integration.accounts.conftest import PASSWORD, login, problem

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


def test_failed_login_names_the_auth_scheme(api_client, citizen):
    response = login(api_client, citizen.username, "wrong")
    problem(response, 401, "invalid_credentials")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_token_type_as_returned_by_login_is_accepted(api_client, citizen):
    pair = login(api_client, citizen.username).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"{pair['token_type']} {pair['access_token']}")
    response = api_client.get("/api/v1/me")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == citizen.pk


def test_users_cursor_mode_accepts_created_at_both_ways(make_user, client_for, clerk):
    for _ in range(4):
        make_user("citizen")
    client = client_for(clerk)
    everyone = User.objects.order_by("date_joined", "id").values_list("id", flat=True)
    for ordering, expected in (("created_at", list(everyone)), ("-created_at", list(reversed(everyone)))):
        seen, cursor = [], ""
        while True:
            response = client.get(f"/api/v1/users?cursor={cursor}&per_page=2&ordering={ordering}")
            assert response.status_code == 200, response.content
            body = response.json()
            seen += [row["id"] for row in body["data"]]
            if not body["has_next"]:
                break
            cursor = body["next_cursor"]
        assert seen == expected
    problem(client.get("/api/v1/users?cursor=&ordering=email"), 422, "validation_error")


def test_soft_delete_audit_timestamp_reads_like_the_api(admin_client_api, make_user):
    from events.models import AuditEvent

    user = make_user("citizen")
    assert admin_client_api.delete(f"/api/v1/users/{user.pk}").status_code == 204
    audit = AuditEvent.objects.get(entity_type="user", entity_id=str(user.pk), action="delete")
    old, new = audit.changes["deleted_at"]
    assert old is None
    assert new.endswith("Z")
