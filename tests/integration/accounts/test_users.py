from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from events.models import AuditEvent
from tests.support.api import PASSWORD, login, problem

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users"


def detail(user_or_id) -> str:
    return f"{USERS}/{getattr(user_or_id, 'pk', user_or_id)}"


def new_user(**extra):
    return {"email": "new@example.com", "username": "newbie", "password": "Corr3ct-horse!", **extra}


# --- lifecycle -------------------------------------------------------------------------------------
def test_full_lifecycle(admin_client_api, admin, api_client):
    created = admin_client_api.post(USERS, new_user(full_name="Nuevo", role="clerk"), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["role"] == "clerk"
    assert created["ETag"] == 'W/"1"'
    user = User.objects.get(pk=body["id"])
    assert (user.is_staff, user.is_superuser) == (True, False)
    assert user.groups.filter(name="Clerks").exists()

    read = admin_client_api.get(detail(user))
    assert read.status_code == 200
    assert read.json() == body

    pair = login(api_client, "newbie", "Corr3ct-horse!").json()

    updated = admin_client_api.patch(detail(user), {"full_name": "Renamed", "role": "citizen"}, format="json")
    assert updated.status_code == 200, updated.content
    assert updated.json()["full_name"] == "Renamed"
    assert updated["ETag"] == 'W/"2"'
    user.refresh_from_db()
    assert user.role == "citizen"
    assert not user.is_staff
    assert not user.groups.exists()

    assert admin_client_api.delete(detail(user)).status_code == 204
    body = problem(admin_client_api.get(detail(user)), 404, "not_found")
    assert body["detail"] == "User not found"
    problem(admin_client_api.patch(detail(user), {"full_name": "x"}, format="json"), 404, "not_found")
    problem(admin_client_api.delete(detail(user)), 404, "not_found")

    # The row stays: its tokens are refused, it cannot log in, its email and username stay taken.
    user.refresh_from_db()
    assert user.deleted_at is not None
    assert not user.is_active
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}")
    problem(api_client.get("/api/v1/me"), 401, "token_not_valid")
    api_client.credentials()
    problem(
        api_client.post("/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]}, format="json"),
        401,
        "token_not_valid",
    )
    problem(login(api_client, "newbie", "Corr3ct-horse!"), 401, "invalid_credentials")
    problem(api_client.post("/api/v1/auth/register", new_user(username="another"), format="json"), 409, "conflict")
    problem(api_client.post("/api/v1/auth/register", new_user(email="x@example.com"), format="json"), 409, "conflict")
    listed = admin_client_api.get(USERS).json()["data"]
    assert user.pk not in [row["id"] for row in listed]

    actions = list(
        AuditEvent.objects.filter(entity_type="user", entity_id=str(user.pk))
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert actions == [("create", admin.pk), ("update", admin.pk), ("delete", admin.pk)]


def test_admin_creates_with_duplicate_or_weak_data(admin_client_api, citizen):
    body = problem(admin_client_api.post(USERS, new_user(email=citizen.email.upper()), format="json"), 409, "conflict")
    assert body["errors"][0]["field"] == "email"
    problem(admin_client_api.post(USERS, new_user(password="password"), format="json"), 422, "validation_error")
    problem(admin_client_api.post(USERS, new_user(role="overlord"), format="json"), 422, "validation_error")


def test_admin_sets_password_and_audit_masks_it(admin_client_api, citizen, api_client):
    pair = login(api_client, citizen.username).json()
    response = admin_client_api.patch(detail(citizen), {"password": "Br4nd-new-secret"}, format="json")
    assert response.status_code == 200, response.content
    audit = AuditEvent.objects.get(entity_type="user", entity_id=str(citizen.pk), action="update")
    assert audit.changes == {"password": ["***", "***"]}
    problem(
        api_client.post("/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]}, format="json"),
        401,
        "token_not_valid",
    )
    assert login(api_client, citizen.username, "Br4nd-new-secret").status_code == 200


def test_admin_deactivates_and_reactivates(admin_client_api, citizen, client_for):
    citizen_client = client_for(citizen)
    response = admin_client_api.patch(detail(citizen), {"is_active": False}, format="json")
    assert response.json()["is_active"] is False
    problem(citizen_client.get("/api/v1/me"), 401, "token_not_valid")
    assert admin_client_api.get(detail(citizen)).json()["is_active"] is False
    admin_client_api.put(detail(citizen), {"is_active": True}, format="json")
    assert client_for(citizen).get("/api/v1/me").status_code == 200


def test_admin_changes_email_to_a_taken_one(admin_client_api, citizen, other_citizen):
    body = problem(
        admin_client_api.patch(detail(citizen), {"email": other_citizen.email.upper()}, format="json"), 409, "conflict"
    )
    assert body["errors"][0]["field"] == "email"


def test_noop_patch_does_not_bump_version(admin_client_api, citizen):
    response = admin_client_api.patch(detail(citizen), {"full_name": citizen.full_name}, format="json")
    assert response["ETag"] == 'W/"1"'
    assert not AuditEvent.objects.filter(entity_type="user", action="update").exists()


# --- object-level access ---------------------------------------------------------------------------
def test_citizen_cannot_see_or_touch_another_user(citizen_client, other_citizen):
    for response in (
        citizen_client.get(detail(other_citizen)),
        citizen_client.patch(detail(other_citizen), {"full_name": "Hacked"}, format="json"),
        citizen_client.put(detail(other_citizen), {"full_name": "Hacked"}, format="json"),
        citizen_client.delete(detail(other_citizen)),
        citizen_client.patch(detail(other_citizen), {"role": "admin"}, format="json"),
    ):
        assert problem(response, 404, "not_found")["detail"] == "User not found"
    other_citizen.refresh_from_db()
    assert other_citizen.full_name == ""
    assert other_citizen.deleted_at is None


def test_citizen_reads_and_edits_own_profile(citizen_client, citizen):
    assert citizen_client.get(detail(citizen)).json()["id"] == citizen.pk
    response = citizen_client.patch(detail(citizen), {"full_name": "María José", "email": "x@evil.com"}, format="json")
    assert response.status_code == 200
    citizen.refresh_from_db()
    assert citizen.full_name == "María José"
    assert citizen.email != "x@evil.com"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("role", "admin"),
        ("role", "clerk"),
        ("is_active", False),
        ("id", 424242),
        ("date_joined", "2001-01-01T00:00:00Z"),
    ],
)
@pytest.mark.parametrize("url", ["own", "me"])
def test_citizen_sending_privileged_fields_is_403(citizen_client, citizen, field, value, url):
    path = "/api/v1/me" if url == "me" else detail(citizen)
    before = User.objects.values().get(pk=citizen.pk)
    problem(citizen_client.patch(path, {field: value, "full_name": "Changed"}, format="json"), 403, "permission_denied")
    assert User.objects.values().get(pk=citizen.pk) == before


@pytest.mark.parametrize("url", ["own", "me"])
def test_echoing_privileged_fields_is_harmless(citizen_client, citizen, url):
    path = "/api/v1/me" if url == "me" else detail(citizen)
    current = citizen_client.get(path).json()
    response = citizen_client.patch(path, {**current, "full_name": "Changed"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["full_name"] == "Changed"


def test_citizen_may_not_list_or_create_users(citizen_client):
    problem(citizen_client.get(USERS), 403, "permission_denied")
    problem(citizen_client.post(USERS, new_user(), format="json"), 403, "permission_denied")


def test_clerk_lists_and_reads_but_does_not_change_others(clerk_client, clerk, citizen):
    assert clerk_client.get(USERS).status_code == 200
    assert clerk_client.get(detail(citizen)).status_code == 200
    problem(clerk_client.patch(detail(citizen), {"role": "clerk"}, format="json"), 403, "permission_denied")
    problem(clerk_client.patch(detail(citizen), {"full_name": "x"}, format="json"), 403, "permission_denied")
    problem(clerk_client.delete(detail(citizen)), 403, "permission_denied")
    problem(clerk_client.post(USERS, new_user(), format="json"), 403, "permission_denied")
    problem(clerk_client.patch(detail(clerk), {"role": "admin"}, format="json"), 403, "permission_denied")
    citizen.refresh_from_db()
    clerk.refresh_from_db()
    assert (citizen.role, clerk.role) == ("citizen", "clerk")


def test_citizen_delete_of_self_is_403(citizen_client, citizen):
    problem(citizen_client.delete(detail(citizen)), 403, "permission_denied")


@pytest.mark.parametrize("pk", ["99999999", "9" * 30, "abc"])
def test_unknown_ids_are_404(admin_client_api, pk):
    assert problem(admin_client_api.get(f"{USERS}/{pk}"), 404, "not_found")["detail"] == "User not found"


def test_trailing_slash_is_optional(admin_client_api, citizen):
    assert admin_client_api.get(f"{USERS}/").status_code == 200
    assert admin_client_api.get(f"{detail(citizen)}/").status_code == 200
    assert admin_client_api.get("/api/v1/me/").status_code == 200


# --- concurrency control ---------------------------------------------------------------------------
def test_if_match_on_users_and_me(admin_client_api, citizen, client_for):
    etag = admin_client_api.get(detail(citizen))["ETag"]
    response = admin_client_api.patch(detail(citizen), {"full_name": "One"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    problem(
        admin_client_api.patch(detail(citizen), {"full_name": "Two"}, format="json", HTTP_IF_MATCH=etag),
        412,
        "precondition_failed",
    )
    me = client_for(citizen)
    problem(
        me.patch("/api/v1/me", {"full_name": "Three"}, format="json", HTTP_IF_MATCH=etag), 412, "precondition_failed"
    )
    current = me.get("/api/v1/me")["ETag"]
    response = me.patch("/api/v1/me", {"full_name": "Three"}, format="json", HTTP_IF_MATCH=current)
    assert response.status_code == 200
    assert response["ETag"] == 'W/"3"'
    citizen.refresh_from_db()
    assert citizen.full_name == "Three"


def test_me_patch_username_conflict(citizen_client, other_citizen):
    body = problem(
        citizen_client.patch("/api/v1/me", {"username": other_citizen.username.upper()}, format="json"), 409, "conflict"
    )
    assert body["errors"][0]["field"] == "username"


def test_clerks_group_follows_role(admin_client_api, citizen):
    admin_client_api.patch(detail(citizen), {"role": "clerk"}, format="json")
    assert Group.objects.get(name="Clerks").user_set.filter(pk=citizen.pk).exists()
    admin_client_api.patch(detail(citizen), {"role": "admin"}, format="json")
    citizen.refresh_from_db()
    assert (citizen.is_superuser, citizen.is_staff) == (True, True)
    assert not citizen.groups.exists()


def test_password_never_in_responses(admin_client_api, citizen):
    assert PASSWORD not in admin_client_api.get(USERS).content.decode()
    assert "md5$" not in admin_client_api.get(detail(citizen)).content.decode()


def test_delete_with_stale_if_match_is_412(admin_client_api, citizen):
    admin_client_api.patch(detail(citizen), {"full_name": "Bumped"}, format="json")
    problem(admin_client_api.delete(detail(citizen), HTTP_IF_MATCH='W/"1"'), 412, "precondition_failed")
    assert admin_client_api.delete(detail(citizen), HTTP_IF_MATCH='W/"2"').status_code == 204


def test_register_event_and_audit_for_admin_created_user(admin_client_api, admin):
    body = admin_client_api.post(USERS, new_user(), format="json").json()
    audit = AuditEvent.objects.get(entity_type="user", entity_id=str(body["id"]))
    assert audit.actor_id == admin.pk
    assert "password" not in audit.changes


def test_a_user_write_names_a_missing_user_and_honours_if_match(admin_client_api, citizen):
    missing = admin_client_api.patch(f"{USERS}/999999", {"full_name": "Nadie"}, format="json")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "User not found"
    stale = admin_client_api.patch(f"{USERS}/{citizen.pk}", {"full_name": "Otra"}, format="json", HTTP_IF_MATCH='W/"9"')
    assert stale.status_code == 412
    citizen.refresh_from_db()
    assert citizen.full_name != "Otra"
