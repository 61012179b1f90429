"""A verified access token is kept by the process and its expiry checked again on every use."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from rest_framework_simplejwt.backends import TokenBackend

from accounts import authentication
from tests.support.api import access_token_for

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


@pytest.fixture(autouse=True)
def _empty_the_kept_tokens() -> None:
    authentication._VERIFIED.clear()


def decodes_during(client: Any, token: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    calls = []
    decode = TokenBackend.decode

    def counting(self: TokenBackend, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return decode(self, *args, **kwargs)

    monkeypatch.setattr(TokenBackend, "decode", counting)
    status = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code
    monkeypatch.setattr(TokenBackend, "decode", decode)
    return status, len(calls)


def test_a_token_is_decoded_once_then_taken_as_verified(client, citizen, monkeypatch):
    token = access_token_for(citizen)

    assert decodes_during(client, token, monkeypatch) == (200, 1)
    assert decodes_during(client, token, monkeypatch) == (200, 0)


def test_a_kept_token_is_refused_once_it_expires(client, citizen):
    token = access_token_for(citizen)
    assert client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    with time_machine.travel(timedelta(days=2)):
        response = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert token.encode() not in authentication._VERIFIED


def test_a_kept_token_of_a_deactivated_user_is_refused(client, citizen):
    token = access_token_for(citizen)
    assert client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    type(citizen).objects.filter(pk=citizen.pk).update(is_active=False)

    assert client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_a_forged_token_is_never_kept(client, citizen):
    token = access_token_for(citizen)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    assert client.get(ME, HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401
    assert forged.encode() not in authentication._VERIFIED


def test_the_kept_tokens_are_bounded(client, citizen, monkeypatch):
    monkeypatch.setattr(authentication, "VERIFIED_TOKENS_KEPT", 2)
    tokens = [access_token_for(citizen) for _ in range(3)]
    for token in tokens:
        assert client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    assert list(authentication._VERIFIED) == [token.encode() for token in tokens[1:]]
