from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts.models import User
from tests.conftest import SchemaCheckedClient


@pytest.mark.django_db(transaction=True)
def test_two_registrations_of_one_email_in_different_case(warm_schema):
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    bodies: list[dict] = []

    def register(email: str, username: str) -> None:
        try:
            client = SchemaCheckedClient()
            payload = {"email": email, "username": username, "password": "Corr3ct-horse!"}
            barrier.wait()
            response = client.post("/api/v1/auth/register", payload, format="json")
            statuses.append(response.status_code)
            bodies.append(response.json())
        finally:
            connection.close()

    threads = [
        threading.Thread(target=register, args=("Race@Example.com", "racer1")),
        threading.Thread(target=register, args=("race@example.COM", "racer2")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

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
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def use() -> None:
        try:
            client = SchemaCheckedClient()
            barrier.wait()
            response = client.post("/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]}, format="json")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 401, 401, 401]
