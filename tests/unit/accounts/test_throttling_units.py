from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from accounts import throttling
from accounts.models import LoginFailure


def request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/api/v1/auth/login", **extra)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        ([], "192.0.2.1", "203.0.113.5", "192.0.2.1"),
        (["10.0.0.1"], "192.0.2.1", "203.0.113.5", "192.0.2.1"),
        (["10.0.0.1"], "10.0.0.1", "203.0.113.5", "203.0.113.5"),
        (["10.0.0.1"], "10.0.0.1", "6.6.6.6, 203.0.113.5", "203.0.113.5"),
        (["10.0.0.0/8"], "10.0.0.1", "203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (["10.0.0.1"], "10.0.0.1", "not-an-ip", "10.0.0.1"),
        (["10.0.0.1"], "10.0.0.1", None, "10.0.0.1"),
        (["::1"], "::1", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_client_address(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    assert throttling.client_address(request(remote, forwarded)) == expected


@pytest.mark.django_db
def test_retry_after_counts_only_the_window():
    now = timezone.now()
    for minutes in (20, 14, 13, 12, 11):
        LoginFailure.objects.create(account_key="user:1", address="a", created_at=now - timedelta(minutes=minutes))
    # The one from 20 minutes ago no longer counts: four in the window.
    assert throttling.retry_after(account_key="user:1", address="b", now=now) == 0
    LoginFailure.objects.create(account_key="user:1", address="a", created_at=now - timedelta(minutes=10))
    assert throttling.retry_after(account_key="user:1", address="b", now=now) == 60
    assert throttling.retry_after(account_key="user:2", address="a", now=now) == 60
