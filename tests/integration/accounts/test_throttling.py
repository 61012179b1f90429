from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import LoginFailure
from tests.support.api import PASSWORD, SchemaCheckedClient, login, problem
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db


def from_address(address: str) -> dict[str, str]:
    return {"REMOTE_ADDR": address}


def fail(client, identifier, times, **extra):
    for _ in range(times):
        problem(login(client, identifier, "wrong-password", **extra), 401, "invalid_credentials")


def test_five_failures_for_an_account_lock_it_with_retry_after(api_client, citizen):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        fail(api_client, citizen.username, 1)
        clock.shift(timedelta(seconds=100))
        fail(api_client, citizen.username, 4)
        clock.shift(timedelta(seconds=20))
        response = login(api_client, citizen.username)  # the right password changes nothing
        body = problem(response, 429, "throttled")
        assert body["errors"] == []
        # The oldest counted failure (at `start`) leaves the window 900 s after it happened.
        assert response["Retry-After"] == str(900 - 120)
        # Refused attempts are not counted, so they do not push the moment further.
        for _ in range(3):
            assert login(api_client, citizen.username, "wrong-password")["Retry-After"] == str(900 - 120)
        assert LoginFailure.objects.count() == 5
        clock.shift(timedelta(seconds=779))
        assert login(api_client, citizen.username).status_code == 429
        clock.shift(timedelta(seconds=2))
        # Four failures are still in the window: one more attempt is allowed.
        assert login(api_client, citizen.username).status_code == 200


def test_the_account_is_locked_from_every_address_and_by_email_too(api_client, citizen):
    fail(api_client, citizen.username, 5, **from_address("10.0.0.1"))
    problem(login(api_client, citizen.username, **from_address("10.0.0.2")), 429, "throttled")
    problem(login(api_client, citizen.email.upper(), field="email", **from_address("10.0.0.3")), 429, "throttled")


def test_five_failures_from_one_address_lock_the_address(api_client, make_user):
    users = [make_user("citizen") for _ in range(6)]
    for user in users[:5]:
        fail(api_client, user.username, 1, **from_address("10.0.0.9"))
    problem(login(api_client, users[5].username, **from_address("10.0.0.9")), 429, "throttled")
    # The same account from elsewhere is fine: only the address is locked.
    assert login(api_client, users[5].username, **from_address("10.0.0.10")).status_code == 200


def test_unknown_accounts_count_too(api_client):
    fail(api_client, "ghost", 5, **from_address("10.0.0.1"))
    problem(login(api_client, "GHOST", **from_address("10.0.0.2")), 429, "throttled")


def test_success_does_not_reset_another_addresss_counter(api_client, citizen, other_citizen):
    fail(api_client, citizen.username, 4, **from_address("10.0.0.66"))
    assert login(api_client, citizen.username, **from_address("10.0.0.1")).status_code == 200
    fail(api_client, other_citizen.username, 1, **from_address("10.0.0.66"))
    problem(login(api_client, other_citizen.username, **from_address("10.0.0.66")), 429, "throttled")
    # The account's counter also kept the four failures from 10.0.0.66.
    fail(api_client, citizen.username, 1, **from_address("10.0.0.2"))
    problem(login(api_client, citizen.username, **from_address("10.0.0.1")), 429, "throttled")


def test_success_forgets_own_failures_from_the_same_address(api_client, citizen):
    fail(api_client, citizen.username, 4)
    assert login(api_client, citizen.username).status_code == 200
    fail(api_client, citizen.username, 4)
    assert login(api_client, citizen.username).status_code == 200


def test_forwarded_for_is_ignored_without_trusted_proxies(api_client, make_user):
    users = [make_user("citizen") for _ in range(6)]
    for index, user in enumerate(users[:5]):
        fail(api_client, user.username, 1, HTTP_X_FORWARDED_FOR=f"203.0.113.{index}")
    problem(login(api_client, users[5].username, HTTP_X_FORWARDED_FOR="203.0.113.99"), 429, "throttled")


def test_forwarded_for_from_a_trusted_proxy_names_the_client(api_client, make_user, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    users = [make_user("citizen") for _ in range(6)]
    for user in users[:5]:
        fail(api_client, user.username, 1, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7")
    problem(login(api_client, users[5].username, HTTP_X_FORWARDED_FOR="203.0.113.7"), 429, "throttled")
    assert login(api_client, users[5].username, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_attempts_never_exceed_the_limit(make_user, warm_schema):
    user = make_user("citizen")

    def attempt() -> int:
        return login(SchemaCheckedClient(), user.username, "wrong-password").status_code

    statuses = run_concurrently([attempt] * 10)
    assert sorted(statuses) == [401] * 5 + [429] * 5
    assert LoginFailure.objects.count() == 5
    assert login(SchemaCheckedClient(), user.username, PASSWORD).status_code == 429


def test_limit_and_window_are_configurable(api_client, citizen, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 60
    fail(api_client, citizen.username, 2)
    response = login(api_client, citizen.username)
    problem(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60
