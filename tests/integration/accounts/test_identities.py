"""Unambiguous identities: a username or an email is compared in one canonical form (NFKC, case
folded) by validation, by login and by the database's unique constraints; a username is never an
email address, so nobody can take over another account's logins by naming themselves after it."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import User, canonical
from tests.support.api import PASSWORD, SchemaCheckedClient, login, problem
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db


def register(client, username: str, email: str):
    payload = {"email": email, "username": username, "password": "Corr3ct-horse!"}
    return client.post("/api/v1/auth/register", payload, format="json")


def test_canonical_form():
    assert canonical("ſrace") == canonical("SRACE") == canonical("srace") == "srace"
    assert canonical("ｓｒａｃｅ") == "srace"  # fullwidth
    assert canonical("Straße@Example.com") == "strasse@example.com"
    assert canonical("ﬁle") == "file"  # ligature


@pytest.mark.parametrize("spelling", ["ſrace1", "SRACE1", "ｓｒａｃｅ1", "srace1"])
def test_a_second_spelling_of_a_username_is_409(api_client, spelling):
    assert register(api_client, "srace1", "first@example.com").status_code == 201
    body = problem(register(api_client, spelling, "second@example.com"), 409, "conflict")
    assert [error["field"] for error in body["errors"]] == ["username"]


@pytest.mark.parametrize("spelling", ["dup@ｅｘａｍｐｌｅ.com", "DUP@EXAMPLE.COM"])
def test_a_second_spelling_of_an_email_is_409(api_client, spelling):
    assert register(api_client, "one", "Dup@example.com").status_code == 201
    body = problem(register(api_client, "two", spelling), 409, "conflict")
    assert [error["field"] for error in body["errors"]] == ["email"]


def test_the_database_refuses_a_second_spelling_by_itself(make_user):
    make_user("citizen", username="sdbrace", email="sdbrace@example.com")
    with pytest.raises(IntegrityError, match="accounts_user_username_canonical_unique"), transaction.atomic():
        User.objects.create_user(username="ſdbrace", email="x@example.com")
    with pytest.raises(IntegrityError, match="accounts_user_email_canonical_unique"), transaction.atomic():
        User.objects.create_user(username="other", email="ſDBRACE@EXAMPLE.COM")


@pytest.mark.parametrize("username", ["victim@example.com", "a@b", "name＠host"])
def test_a_username_cannot_hold_an_at_sign(api_client, username):
    body = problem(register(api_client, username, "someone@example.com"), 422, "validation_error")
    assert [error["field"] for error in body["errors"]] == ["username"]


def test_renaming_to_an_email_is_refused(citizen_client, other_citizen):
    response = citizen_client.patch("/api/v1/me", {"username": other_citizen.email}, format="json")
    body = problem(response, 422, "validation_error")
    assert [error["field"] for error in body["errors"]] == ["username"]


def test_an_admin_cannot_name_a_user_after_an_email_either(admin_client_api, citizen, admin):
    response = admin_client_api.patch(f"/api/v1/users/{citizen.pk}", {"username": "x@example.com"}, format="json")
    problem(response, 422, "validation_error")
    client = Client()
    client.force_login(admin)
    page = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "y@example.com",
            "email": "y@example.com",
            "role": "citizen",
            "is_active": "on",
            "language": "es",
            "password": "Corr3ct-horse!",
        },
    )
    assert page.status_code == 200
    assert not User.objects.filter(email="y@example.com").exists()


def test_login_with_an_email_never_reaches_an_account_named_after_it(api_client, make_user):
    victim = make_user("citizen", username="victim", email="victim@example.com")
    # An account left from before the rule, whose username is the victim's email.
    squatter = make_user("citizen", username="squatter", email="squatter@example.com", password="Squ4tter-pass!")
    User.objects.filter(pk=squatter.pk).update(username="victim@example.com", username_canonical="victim@example.com")
    assert login(api_client, "victim@example.com", "Squ4tter-pass!").status_code == 401
    assert login(api_client, "victim@example.com").status_code == 200
    assert authenticate(None, username="VICTIM@example.com", password=PASSWORD) == victim


def test_login_matches_every_spelling_of_one_account(api_client, make_user):
    make_user("citizen", username="srace9", email="srace9@example.com")
    assert login(api_client, "ſrace9").status_code == 200
    assert login(api_client, "ＳＲＡＣＥ9").status_code == 200
    assert login(api_client, "SRACE9@example.com", field="email").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_spellings_registered_at_once_yield_one_account():
    calls = [
        lambda: register(SchemaCheckedClient(), "sracex", "one@example.com").status_code,
        lambda: register(SchemaCheckedClient(), "ſracex", "two@example.com").status_code,
    ]
    assert sorted(run_concurrently(calls)) == [201, 409]
    assert User.objects.filter(username_canonical="sracex").count() == 1
