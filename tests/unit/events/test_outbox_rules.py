"""Pure rules of the outbox: patterns, the retry schedule, Retry-After, signatures, the SSRF guard."""

import socket
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook

from core.http import parse_retry_after
from events import ssrf
from events.outbox import retry_delay
from events.services import new_secret
from events.transport import sign_headers
from events.types import is_valid_pattern, matches


@pytest.mark.parametrize(
    ("patterns", "event_type", "expected"),
    [
        (["order.*"], "order.confirmed", True),
        (["order.*"], "orders.x", False),
        (["order.*"], "expediente.created", False),
        (["*"], "payment.refunded", True),
        (["expediente.created"], "expediente.created", True),
        (["expediente.created"], "expediente.updated", False),
        ([], "order.created", False),
    ],
)
def test_matches(patterns, event_type, expected):
    assert matches(patterns, event_type) is expected


@pytest.mark.parametrize(
    ("pattern", "valid"),
    [
        ("*", True),
        ("order.*", True),
        ("payment.failed", True),
        ("order.paid", False),
        ("o*.x", False),
        ("[a].*", False),
    ],
)
def test_pattern_validation(pattern, valid):
    assert is_valid_pattern(pattern) is valid


def test_retry_delay_follows_the_schedule_with_bounded_jitter():
    schedule = [0, 5, 300]
    assert retry_delay(schedule, 0, jitter=0.1) == 0
    for _ in range(50):
        assert 4.5 <= retry_delay(schedule, 1, jitter=0.1) <= 5.5
        assert 270 <= retry_delay(schedule, 2, jitter=0.1) <= 330
    assert retry_delay(schedule, 3, jitter=0.1) is None
    assert retry_delay(schedule, 2, jitter=0) == 300


def test_retry_after_accepts_seconds_and_http_dates():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("Thu, 01 Jan 2026 12:01:00 GMT", now) == 60
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_secrets_have_the_contract_shape():
    import base64

    secret = new_secret()
    assert secret.startswith("whsec_")
    assert 24 <= len(base64.b64decode(secret[6:])) <= 64
    assert new_secret() != secret


def test_signatures_verify_with_the_reference_library():
    first, second = new_secret(), new_secret()
    now = datetime.now(tz=UTC)
    body = b'{"type":"order.created","timestamp":"2026-01-01T00:00:00Z","data":{}}'
    headers = sign_headers(msg_id="42", body=body, secrets=[first, second], at=now)
    assert headers["webhook-id"] == "42"
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert headers["webhook-signature"].count("v1,") == 2
    for secret in (first, second):
        assert Webhook(secret).verify(body, headers) == {
            "type": "order.created",
            "timestamp": "2026-01-01T00:00:00Z",
            "data": {},
        }


@pytest.fixture
def resolver(monkeypatch):
    answers = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in answers[host]]

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.mark.parametrize(
    "addresses",
    [["127.0.0.1"], ["10.0.0.1"], ["192.168.1.1"], ["169.254.169.254"], ["224.0.0.5"], ["8.8.8.8", "172.16.0.1"]],
)
def test_hosts_with_any_non_public_address_are_refused(resolver, settings, addresses):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    resolver["hooks.test"] = addresses
    with pytest.raises(ssrf.UnsafeURL, match="non-public"):
        ssrf.check_url("https://hooks.test/x")
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    ssrf.check_url("https://hooks.test/x")


def test_public_hosts_pass_and_unresolvable_ones_do_not(resolver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    resolver["hooks.test"] = ["8.8.8.8"]
    ssrf.check_url("https://hooks.test:8443/x")
    with pytest.raises(ssrf.UnsafeURL, match="cannot be resolved"):
        ssrf.check_url("https://missing.test/")
    for bad in ("ftp://hooks.test/", "https:///nohost", "https://user:pw@hooks.test/", "http://hooks.test:99999/"):
        with pytest.raises(ssrf.UnsafeURL):
            ssrf.check_url(bad)
