"""The SSRF checker reads every spelling of an internal address the way a resolver or browser does.

No test here reaches the network: the resolver is a stub that knows only the names it is given,
so a refusal can only come from the checker's own reading of the host.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from events import ssrf


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        infos = []
        for address in answers[host]:
            if ":" in address:
                infos.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                infos.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return infos

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.fixture(autouse=True)
def _strict(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    settings.WEBHOOKS_ALLOWED_NETWORKS = []


INTERNAL_HOSTS = [
    # IPv4 in the forms inet_aton and the WHATWG URL parser read
    "127.1",
    "127.0.1",
    "2130706433",
    "0177.0.0.1",
    "0x7f.0.0.1",
    "0x7F.1",
    "0x7f000001",
    "017700000001",
    "127.0.0.1.",
    "0",
    "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
    "10.1",
    "0xa9.0xfe.0xa9.0xfe",
    "169.254.169.254",
    "192.168.1.1",
    "172.16.0.1",
    "100.64.0.1",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    # IPv6, and IPv4 inside IPv6
    "[::]",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::ffff:10.0.0.1]",
    "[::127.0.0.1]",
    "[::ffff:0:7f00:1]",
    "[2002:7f00:1::1]",
    "[2002:a00:1::]",
    "[2002:a9fe:a9fe::1]",
    "[64:ff9b::7f00:1]",
    "[64:ff9b::127.0.0.1]",
    "[64:ff9b::a9fe:a9fe]",
    "[64:ff9b:1::808:808]",
    "[2001::1]",
    "[fe80::1]",
    "[fc00::1]",
    "[fd12:3456::1]",
    "[fec0::1]",
    "[ff02::1]",
    "[2001:db8::1]",
    "[3fff::1]",
]


@pytest.mark.parametrize("host", INTERNAL_HOSTS)
def test_every_spelling_of_an_internal_address_is_refused(resolver, host):
    for registering in (True, False):
        with pytest.raises(ssrf.UnsafeURL, match="non-public"):
            ssrf.check_url(f"http://{host}:8080/hook", registering=registering)


@pytest.mark.parametrize(
    "host", ["256.0.0.1", "1.2.3.4.5", "0x100000000", "08.0.0.1", "1.2.3.09", "4294967296", "example.123"]
)
def test_a_host_that_ends_in_a_number_but_is_no_address_is_refused(resolver, host):
    # Browsers and resolvers would read these as numbers too; they are never a name to look up.
    with pytest.raises(ssrf.UnsafeURL, match="not a valid address"):
        ssrf.check_url(f"http://{host}/hook", registering=True)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("93.184.216.34", "93.184.216.34"),
        ("1572395042", "93.184.216.34"),
        ("0x5d.0xb8.0xd8.0x22", "93.184.216.34"),
        ("0135.0270.0330.042", "93.184.216.34"),
        ("93.12113954", "93.184.216.34"),
        ("[::ffff:93.184.216.34]", "93.184.216.34"),
        ("[2002:5db8:d822::1]", "2002:5db8:d822::1"),
        ("[64:ff9b::5db8:d822]", "64:ff9b::5db8:d822"),
        ("[2606:4700::1111]", "2606:4700::1111"),
    ],
)
def test_public_addresses_pass_in_any_spelling_and_are_the_address_pinned(resolver, host, address):
    target = ssrf.resolve(f"https://{host}/hook")
    assert target is not None
    assert [sockaddr[0] for _, sockaddr in target.addresses] == [address]
    assert target.host == host.strip("[]")
    assert target.port == 443


@pytest.mark.parametrize(
    "answers",
    [
        ["::ffff:127.0.0.1"],
        ["2002:7f00:1::1"],
        ["64:ff9b::a9fe:a9fe"],
        ["::"],
        ["0.0.0.0"],  # noqa: S104 - an answer to refuse
        ["93.184.216.34", "fe80::1"],
        ["2606:4700::1111", "::ffff:10.0.0.1"],
    ],
)
def test_a_name_with_any_internal_answer_in_any_spelling_is_refused(resolver, answers):
    resolver["hooks.test"] = answers
    with pytest.raises(ssrf.UnsafeURL, match="non-public"):
        ssrf.check_url("https://hooks.test/x")


def test_a_name_resolves_once_and_its_checked_answers_are_pinned(resolver, monkeypatch):
    calls: list[str] = []
    real = ssrf.socket.getaddrinfo

    def counting(host: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(host)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", counting)
    resolver["hooks.test"] = ["93.184.216.35", "93.184.216.34", "93.184.216.35"]
    target = ssrf.resolve("http://hooks.test:8080/x")
    assert calls == ["hooks.test"]
    assert target is not None
    assert [sockaddr for _, sockaddr in target.addresses] == [("93.184.216.35", 8080), ("93.184.216.34", 8080)]


def test_the_allowlist_lets_through_its_networks_only(resolver, settings):
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    assert ssrf.resolve("http://127.1:9/x") is not None
    assert ssrf.resolve("http://[::ffff:127.0.0.1]:9/x") is not None
    with pytest.raises(ssrf.UnsafeURL, match="non-public"):
        ssrf.check_url("http://127.0.0.2:9/x")
    with pytest.raises(ssrf.UnsafeURL, match="non-public"):
        ssrf.check_url("http://[::1]:9/x")
