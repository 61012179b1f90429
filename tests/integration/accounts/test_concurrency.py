from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from tests.support.api import SchemaCheckedClient
from tests.support.concurrency import run_concurrently


@pytest.mark.django_db(transaction=True)
def test_two_registrations_of_one_email_in_different_case(warm_schema):
    def register(email: str, username: str) -> Any:
        payload = {"email": email, "username": username, "password": "Corr3ct-horse!"}
        return SchemaCheckedClient().post("/api/v1/auth/register", payload, format="json")

    responses = run_concurrently(
        [lambda: register("Race@Example.com", "racer1"), lambda: register("race@example.COM", "racer2")]
    )
    statuses = [response.status_code for response in responses]
    bodies = [response.json() for response in responses]

    assert sorted(statuses) == [201, 409]
    conflict = next(body for body in bodies if body.get("status") == 409)
    assert conflict["code"] == "conflict"
    assert [error["field"] for error in conflict["errors"]] == ["email"]
    assert User.objects.filter(email__iexact="race@example.com").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_of_one_token_at_once_only_one_wins(make_user, warm_schema):
    user = make_user("citizen")
    pair = (
        SchemaCheckedClient()
        .post("/api/v1/auth/login", {"username": user.username, "password": "S3cure-pass!"}, format="json")
        .json()
    )

    def use() -> int:
        response = SchemaCheckedClient().post(
            "/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]}, format="json"
        )
        return response.status_code

    statuses = run_concurrently([use] * 4)
    assert sorted(statuses) == [200, 401, 401, 401]
