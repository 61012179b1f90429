"""Registration, login and the session user: who may sign up, how a login answers."""

from __future__ import annotations

import orjson
import pytest
from django.utils import timezone

from accounts.models import User
from core.exceptions import NotFound
from events.models import AuditEvent, Event
from tests.support.api import PASSWORD, bearer, claims, login, problem, refresh

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"


def register(client, email="ana@example.com", username="ana", password="Corr3ct-horse!", **extra):
    return client.post(REGISTER, {"email": email, "username": username, "password": password, **extra}, format="json")


# --- registration --------------------------------------------------------------------------------
def test_register_returns_the_user_and_records_the_event(api_client):
    response = register(api_client, full_name="Ana Núñez")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "email", "username", "full_name", "role", "is_active", "date_joined", "language"}
    assert body["role"] == "citizen"
    assert body["is_active"] is True
    assert body["full_name"] == "Ana Núñez"
    assert response["ETag"] == 'W/"1"'
    event = Event.objects.get(type="user.registered")
    assert event.data == body
    audit = AuditEvent.objects.get(entity_type="user", entity_id=str(body["id"]))
    assert audit.action == "create"
    assert audit.actor_id == body["id"]
    assert "password" not in orjson.dumps(audit.changes).decode()


def test_register_login_me_is_the_same_user(api_client):
    user_id = register(api_client).json()["id"]
    response = login(api_client, "ana", "Corr3ct-horse!")
    assert response.status_code == 200, response.content
    me = bearer(api_client, response.json()["access_token"]).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["id"] == user_id
    assert me["ETag"] == 'W/"1"'


@pytest.mark.parametrize(
    ("email", "username", "field"),
    [("ANA@Example.com", "other", "email"), ("other@example.com", "ANA", "username")],
)
def test_duplicates_are_409_naming_the_field(api_client, email, username, field):
    assert register(api_client).status_code == 201
    body = problem(register(api_client, email=email, username=username), 409, "conflict")
    assert [error["field"] for error in body["errors"]] == [field]
    assert User.objects.count() == 1


def test_weak_password_is_422(api_client):
    body = problem(register(api_client, password="12345678"), 422, "validation_error")
    assert {error["field"] for error in body["errors"]} == {"password"}
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "extra", [{"role": "admin"}, {"is_active": False}, {"id": 99}, {"date_joined": "2020-01-01T00:00:00Z"}]
)
def test_register_refuses_privileged_fields(api_client, extra):
    problem(register(api_client, **extra), 403, "permission_denied")
    assert not User.objects.exists()


def test_register_accepts_the_default_role_echoed(api_client):
    response = register(api_client, role="citizen", is_active=True)
    assert response.status_code == 201
    assert response.json()["role"] == "citizen"


def test_register_ignores_a_stale_authorization_header(api_client):
    bearer(api_client, "garbage")
    assert register(api_client).status_code == 201


# --- login ---------------------------------------------------------------------------------------
def test_login_json_username_and_token_shape(api_client, citizen):
    response = login(api_client, citizen.username)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    access = claims(body["access_token"])
    assert access["user_id"] == citizen.pk
    assert access["sub"] == str(citizen.pk)
    assert access["role"] == "citizen"
    assert access["token_type"] == "access"
    assert access["exp"] - access["iat"] == 15 * 60
    assert claims(body["refresh_token"])["role"] == "citizen"


def test_login_json_email_case_insensitive(api_client, citizen):
    response = login(api_client, citizen.email.upper(), field="email")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("use_email", [False, True])
def test_login_form_encoded(api_client, citizen, use_email):
    identifier = citizen.email if use_email else citizen.username
    response = api_client.post(
        "/api/v1/auth/login",
        f"grant_type=password&username={identifier}&password={PASSWORD}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200, response.content
    assert claims(response.json()["access_token"])["user_id"] == citizen.pk


@pytest.mark.parametrize("who", ["wrong-password", "unknown-user", "inactive"])
def test_failed_login_is_invalid_credentials(api_client, make_user, who):
    user = make_user("citizen", is_active=who != "inactive")
    identifier = "nobody" if who == "unknown-user" else user.username
    password = "wrong-password" if who == "wrong-password" else PASSWORD
    body = problem(login(api_client, identifier, password), 401, "invalid_credentials")
    assert body["detail"] == "Invalid credentials"


def test_login_without_identifier_is_422(api_client):
    problem(api_client.post("/api/v1/auth/login", {"password": "x"}, format="json"), 422, "validation_error")


def test_login_updates_last_login(api_client, citizen):
    login(api_client, citizen.username)
    citizen.refresh_from_db()
    assert citizen.last_login is not None


# --- access tokens -------------------------------------------------------------------------------
def test_no_token_is_not_authenticated(api_client):
    body = problem(api_client.get("/api/v1/me"), 401, "not_authenticated")
    assert body["detail"] == "Not authenticated"


# --- password change -------------------------------------------------------------------------------
def change_password(client, current, new):
    return client.post("/api/v1/me/password", {"current_password": current, "new_password": new}, format="json")


def test_password_change_revokes_refresh_tokens(api_client, citizen):
    one = login(api_client, citizen.username).json()
    two = login(api_client, citizen.username).json()
    response = change_password(bearer(api_client, two["access_token"]), PASSWORD, "An0ther-g00d-one")
    assert response.status_code == 204, response.content
    for pair in (one, two):
        problem(refresh(api_client, pair["refresh_token"]), 401, "token_not_valid")
    problem(login(api_client, citizen.username), 401, "invalid_credentials")
    assert login(api_client, citizen.username, "An0ther-g00d-one").status_code == 200
    audit = AuditEvent.objects.filter(entity_type="user", entity_id=str(citizen.pk), action="update").get()
    assert audit.changes == {"password": ["***", "***"]}


def test_a_password_change_touches_only_the_callers_account(make_user, client_for):
    """The current password is checked against the caller's account, and only its password changes."""
    caller = make_user("citizen", password=PASSWORD)
    newest = make_user("citizen", password="Fir5t-account-pass")  # the first row in the users' default order
    assert change_password(client_for(caller), PASSWORD, "An0ther-g00d-one").status_code == 204
    newest.refresh_from_db()
    caller.refresh_from_db()
    assert newest.check_password("Fir5t-account-pass")
    assert caller.check_password("An0ther-g00d-one")


def test_a_password_change_for_a_deleted_account_is_404_naming_the_user(citizen):
    from accounts.services import change_password as change

    citizen.deleted_at = timezone.now()
    citizen.save(update_fields=["deleted_at"])
    with pytest.raises(NotFound) as missing:
        change(request=None, user_id=citizen.pk, current_password=PASSWORD, new_password="An0ther-g00d-one")
    assert str(missing.value.detail) == "User not found"


def test_wrong_current_password_is_422_on_current_password(citizen_client, citizen):
    body = problem(change_password(citizen_client, "nope", "An0ther-g00d-one"), 422, "validation_error")
    assert body["errors"] == [
        {"field": "current_password", "message": "The current password is not correct.", "code": "invalid"}
    ]
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


def test_weak_new_password_is_422(citizen_client):
    body = problem(change_password(citizen_client, PASSWORD, "123"), 422, "validation_error")
    assert {error["field"] for error in body["errors"]} == {"new_password"}
