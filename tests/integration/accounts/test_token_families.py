"""Refresh tokens follow the OAuth 2.0 Security Best Current Practice (RFC 9700): every token rotated
from one login belongs to one family, and replaying a token that was already rotated revokes the
whole family (the thief's copy and the owner's alike). A password change, by any path, and a
deactivation revoke every refresh token of the account."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import User
from tests.support.api import PASSWORD, login, problem

pytestmark = pytest.mark.django_db


def refresh(client, token: str):
    client.credentials()
    return client.post("/api/v1/auth/refresh", {"refresh_token": token}, format="json")


def live_refresh_tokens(user: User) -> int:
    return OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).count()


def test_replaying_a_rotated_token_revokes_its_whole_family(api_client, citizen):
    first = login(api_client, citizen.username).json()
    second = refresh(api_client, first["refresh_token"]).json()
    third = refresh(api_client, second["refresh_token"]).json()
    other_login = login(api_client, citizen.username).json()
    # An attacker replays the stolen first token: refused, and the family dies with it.
    problem(refresh(api_client, first["refresh_token"]), 401, "token_not_valid")
    problem(refresh(api_client, third["refresh_token"]), 401, "token_not_valid")
    # Another login is another family: untouched.
    assert refresh(api_client, other_login["refresh_token"]).status_code == 200


def test_replaying_the_middle_of_a_chain_revokes_the_newest(api_client, citizen):
    first = login(api_client, citizen.username).json()
    second = refresh(api_client, first["refresh_token"]).json()
    third = refresh(api_client, second["refresh_token"]).json()
    problem(refresh(api_client, second["refresh_token"]), 401, "token_not_valid")
    problem(refresh(api_client, third["refresh_token"]), 401, "token_not_valid")
    assert live_refresh_tokens(citizen) == 0


def test_a_password_set_outside_the_api_revokes_every_refresh_token(api_client, citizen):
    login(api_client, citizen.username)
    login(api_client, citizen.username)
    assert live_refresh_tokens(citizen) == 2
    citizen.set_password("An0ther-g00d-one")  # as `manage.py changepassword` does
    citizen.save()
    assert live_refresh_tokens(citizen) == 0


def test_the_admins_password_change_revokes_every_refresh_token(api_client, make_user):
    clerk = make_user("clerk")
    pair = login(api_client, clerk.username).json()
    client = Client()
    client.force_login(clerk)
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": "An0ther-g00d-one", "new_password2": "An0ther-g00d-one"},
    )
    assert response.status_code == 302
    problem(refresh(api_client, pair["refresh_token"]), 401, "token_not_valid")


def test_a_rehash_on_login_does_not_revoke_anything(api_client, citizen, settings):
    login(api_client, citizen.username)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert login(api_client, citizen.username).status_code == 200  # upgrades the stored hash
    citizen.refresh_from_db()
    assert citizen.password.startswith("pbkdf2_")
    assert live_refresh_tokens(citizen) == 2


def test_deactivation_revokes_every_refresh_token_for_good(admin_client_api, api_client, citizen):
    pair = login(api_client, citizen.username).json()
    assert admin_client_api.patch(f"/api/v1/users/{citizen.pk}", {"is_active": False}, format="json").status_code == 200
    assert live_refresh_tokens(citizen) == 0
    assert admin_client_api.patch(f"/api/v1/users/{citizen.pk}", {"is_active": True}, format="json").status_code == 200
    problem(refresh(api_client, pair["refresh_token"]), 401, "token_not_valid")
