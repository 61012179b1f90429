"""One throttle for every door that checks a password: the API login, the admin login, the admin's
and the API's password change. They share one count per account and per address, one lock and one
``Retry-After``; the admin answers a clear "too many attempts" page with status 429."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import LoginFailure
from tests.support.api import PASSWORD, login, problem

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"
ROOT = Path(__file__).resolve().parents[3]


def admin_login(client: Client, username: str, password: str = PASSWORD, address: str = "127.0.0.1"):
    return client.post(
        ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


def wrong_admin_logins(username: str, times: int, address: str = "127.0.0.1") -> None:
    for _ in range(times):
        response = admin_login(Client(), username, "wrong-password", address)
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()


def me_password(client, current: str, address: str = "127.0.0.1"):
    return client.post(
        "/api/v1/me/password",
        {"current_password": current, "new_password": "An0ther-g00d-one"},
        format="json",
        REMOTE_ADDR=address,
    )


def assert_too_many_attempts_page(response, retry_after: int) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(retry_after)
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "Too many attempts" in text
    assert f"{retry_after} seconds" in text


def test_admin_login_is_throttled_with_the_apis_count_and_retry_after(api_client, make_user):
    clerk = make_user("clerk", username="clerka")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        wrong_admin_logins("clerka", 3)
        clock.shift(timedelta(seconds=60))
        wrong_admin_logins("clerka", 2, address="10.0.0.2")
        clock.shift(timedelta(seconds=10))
        # Sixth attempt, right password, at the admin: refused, like the API would.
        assert_too_many_attempts_page(admin_login(Client(), "clerka"), 900 - 70)
        response = login(api_client, clerk.username)
        problem(response, 429, "throttled")
        assert response["Retry-After"] == str(900 - 70)
        assert LoginFailure.objects.filter(account_key=f"user:{clerk.pk}").count() == 5
        clock.shift(timedelta(seconds=831))
        assert admin_login(Client(), "clerka").status_code == 302


def test_an_account_locked_at_the_api_is_locked_at_the_admin(api_client, make_user):
    clerk = make_user("clerk", username="clerkb")
    for _ in range(5):
        problem(login(api_client, clerk.username, "wrong-password"), 401, "invalid_credentials")
    response = admin_login(Client(), "clerkb", address="10.9.9.9")
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert int(response["Retry-After"]) > 0


def test_the_admin_counts_per_address_too(make_user):
    users = [make_user("clerk") for _ in range(6)]
    for user in users[:5]:
        wrong_admin_logins(user.username, 1, address="10.0.0.7")
    assert admin_login(Client(), users[5].username, address="10.0.0.7").status_code == 429
    assert admin_login(Client(), users[5].username, address="10.0.0.8").status_code == 302


def test_admin_login_by_email_counts_against_the_same_account(make_user):
    clerk = make_user("clerk", username="clerkc", email="clerkc@example.com")
    wrong_admin_logins("CLERKC@example.com", 5)
    assert admin_login(Client(), "clerkc").status_code == 429
    assert LoginFailure.objects.filter(account_key=f"user:{clerk.pk}").count() == 5


def test_current_password_guessing_at_me_password_is_throttled(citizen_client, citizen, api_client):
    for _ in range(5):
        body = problem(me_password(citizen_client, "guess"), 422, "validation_error")
        assert [error["field"] for error in body["errors"]] == ["current_password"]
    response = me_password(citizen_client, PASSWORD)  # right, but too late
    problem(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)
    # Same account, same lock: the login is refused too.
    problem(login(api_client, citizen.username), 429, "throttled")


def test_a_right_current_password_still_changes_it(citizen_client, citizen):
    assert me_password(citizen_client, PASSWORD).status_code == 204
    citizen.refresh_from_db()
    assert citizen.check_password("An0ther-g00d-one")


def test_the_admins_password_change_form_is_throttled(make_user):
    clerk = make_user("clerk")
    client = Client()
    client.force_login(clerk)
    form = {"old_password": "guess", "new_password1": "An0ther-g00d-one", "new_password2": "An0ther-g00d-one"}
    for _ in range(5):
        response = client.post("/admin/password_change/", form)
        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.content.decode()
    response = client.post("/admin/password_change/", {**form, "old_password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)


PROJECT_PACKAGES = ("accounts", "config", "core", "events", "expedientes", "orders", "reports", "seeding")
THE_ONE_CHECK = Path("accounts/passwords.py")


def test_no_code_checks_a_password_outside_the_throttled_check():
    """A door added later cannot call ``check_password`` itself: it goes through ``authenticate()``."""
    offenders = []
    for package in PROJECT_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            source = path.read_text()
            if "check_password" not in source:
                continue  # no attribute of that name without the text (parsing every file costs seconds)
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Attribute) and node.attr == "check_password":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders  # the one check exists
    assert all(Path(entry.split(":")[0]) == THE_ONE_CHECK for entry in offenders), offenders
