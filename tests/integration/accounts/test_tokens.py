"""Access and refresh tokens: forged, expired, rotated, revoked by logout or deactivation."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import jwt
import orjson
import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from accounts.authentication import active_user
from accounts.models import User
from tests.support.api import bearer, claims, login, problem, refresh

pytestmark = pytest.mark.django_db


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode()


def _tampered(token: str) -> str:
    header, _payload, signature = token.split(".")
    body = claims(token)
    body["user_id"] = int(body["user_id"]) + 1
    body["role"] = "admin"
    return f"{header}.{_b64(body)}.{signature}"


def _alg_none(token: str) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims(token))}."


def _wrong_key(token: str) -> str:
    return jwt.encode(claims(token), "not-the-signing-key-but-long-enough-for-hs256", algorithm="HS256")


def _signed_with_secret_key(token: str) -> str:
    return jwt.encode(claims(token), settings.SECRET_KEY, algorithm="HS256")


@pytest.mark.parametrize("forge", [_tampered, _alg_none, _wrong_key, _signed_with_secret_key])
def test_forged_tokens_are_not_valid(api_client, make_user, forge):
    make_user("citizen")
    user = make_user("citizen")
    access = login(api_client, user.username).json()["access_token"]
    problem(bearer(api_client, forge(access)).get("/api/v1/me"), 401, "token_not_valid")


def test_expired_access_token_is_not_valid(api_client, citizen):
    access = login(api_client, citizen.username).json()["access_token"]
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        problem(bearer(api_client, access).get("/api/v1/me"), 401, "token_not_valid")


def test_access_token_still_valid_within_lifetime(api_client, citizen):
    access = login(api_client, citizen.username).json()["access_token"]
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert bearer(api_client, access).get("/api/v1/me").status_code == 200


def test_refresh_token_used_as_access_is_not_valid(api_client, citizen):
    refresh = login(api_client, citizen.username).json()["refresh_token"]
    problem(bearer(api_client, refresh).get("/api/v1/me"), 401, "token_not_valid")


def test_deactivated_users_tokens_stop_working(api_client, citizen):
    pair = login(api_client, citizen.username).json()
    User.objects.filter(pk=citizen.pk).update(is_active=False)
    problem(bearer(api_client, pair["access_token"]).get("/api/v1/me"), 401, "token_not_valid")
    api_client.credentials()
    problem(
        api_client.post("/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]}, format="json"),
        401,
        "token_not_valid",
    )


# --- refresh and logout ----------------------------------------------------------------------------
def test_refresh_rotates_and_the_old_token_is_refused(api_client, citizen):
    first = login(api_client, citizen.username).json()
    response = refresh(api_client, first["refresh_token"])
    assert response.status_code == 200, response.content
    second = response.json()
    assert second["token_type"] == "bearer"
    assert second["refresh_token"] != first["refresh_token"]
    assert bearer(api_client, second["access_token"]).get("/api/v1/me").json()["id"] == citizen.pk
    assert refresh(api_client, second["refresh_token"]).status_code == 200
    # Reusing the rotated token is refused (and revokes its family: test_token_families).
    problem(refresh(api_client, first["refresh_token"]), 401, "token_not_valid")


def test_refresh_carries_the_current_role(api_client, citizen):
    first = login(api_client, citizen.username).json()
    User.objects.filter(pk=citizen.pk).update(role="clerk")
    second = refresh(api_client, first["refresh_token"]).json()
    assert claims(second["access_token"])["role"] == "clerk"


@pytest.mark.parametrize("token", ["garbage", ""])
def test_refresh_with_garbage(api_client, token):
    response = refresh(api_client, token)
    assert response.status_code in (401, 422)
    problem(response, response.status_code, "token_not_valid" if token else "validation_error")


def test_access_token_is_not_a_refresh_token(api_client, citizen):
    access = login(api_client, citizen.username).json()["access_token"]
    problem(refresh(api_client, access), 401, "token_not_valid")


def test_logout_then_refresh_is_refused(api_client, citizen):
    pair = login(api_client, citizen.username).json()
    response = bearer(api_client, pair["access_token"]).post(
        "/api/v1/auth/logout", {"refresh_token": pair["refresh_token"]}, format="json"
    )
    assert response.status_code == 204
    problem(refresh(api_client, pair["refresh_token"]), 401, "token_not_valid")


def test_logout_needs_authentication(api_client, citizen):
    pair = login(api_client, citizen.username).json()
    problem(
        api_client.post("/api/v1/auth/logout", {"refresh_token": pair["refresh_token"]}, format="json"),
        401,
        "not_authenticated",
    )


def test_logout_with_someone_elses_refresh_token_is_refused(api_client, citizen, other_citizen):
    theirs = login(api_client, other_citizen.username).json()
    mine = login(api_client, citizen.username).json()
    problem(
        bearer(api_client, mine["access_token"]).post(
            "/api/v1/auth/logout", {"refresh_token": theirs["refresh_token"]}, format="json"
        ),
        401,
        "token_not_valid",
    )
    assert refresh(api_client, theirs["refresh_token"]).status_code == 200


def test_the_token_user_is_read_whole_as_the_orm_reads_it(citizen: Any) -> None:
    loaded = active_user(citizen.pk)
    expected = User.objects.get(pk=citizen.pk)
    assert loaded is not None
    assert {f.attname: getattr(loaded, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in User._meta.concrete_fields
    }
    assert not loaded._state.adding
    assert active_user(str(citizen.pk)) == loaded
    for other in (True, 10**6, 2**64, f"{citizen.pk}.0", "١", None):
        assert active_user(other) is None


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
