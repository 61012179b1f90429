"""Every attempt connects to the very address its check approved (resolve once, pin it).

Real connections, to servers on loopback addresses: ``WEBHOOKS_ALLOWED_NETWORKS`` lets the tests
treat one loopback address as a receiver's "public" one while the others stay internal, and the
resolver is a stub (DNS is outside the system) whose answer changes between calls, as a rebinding
attacker's would.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
import trustme

from events import ssrf, transport
from tests.support.receivers import Receiver

pytestmark = pytest.mark.django_db

HOST = "rebind.example.com"


@pytest.fixture
def receivers() -> Iterator[Callable[..., list[Receiver]]]:
    """``receivers(*addresses)``: one server per loopback address, all on the same port."""
    started: list[Receiver] = []

    def factory(*addresses: str, tls: Callable[[], ssl.SSLContext] | None = None) -> list[Receiver]:
        for _ in range(20):  # the port is free on the first address; the others may hold it
            group: list[Receiver] = []
            try:
                first = Receiver(addresses[0], 0, tls() if tls else None)
                group.append(first)
                for address in addresses[1:]:
                    group.append(Receiver(address, first.port, tls() if tls else None))
            except OSError:
                for receiver in group:
                    receiver.close()
                continue
            started.extend(group)
            return group
        raise RuntimeError("no port free on every address")

    yield factory
    for receiver in started:
        receiver.close()


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stub resolver's answers for ``HOST``, one per lookup (the last one repeats)."""
    queue: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == HOST:
            address = queue.pop(0) if len(queue) > 1 else queue[0]
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))]
        if host in ("hooks.test", "wrong.test"):
            raise socket.gaierror(socket.EAI_NONAME, "the stub knows no answer for this name")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", getaddrinfo)
    return queue


@pytest.fixture(autouse=True)
def _pinning_settings(settings: Any) -> Iterator[None]:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32", "127.0.0.3/32"]
    settings.WEBHOOK_KEEPALIVE_SECONDS = 60
    transport.close_sessions()
    yield
    transport.close_sessions()


def post(url: str) -> transport.Outcome:
    return transport.post(url, b"{}", {"content-type": "application/json"})


def test_dns_rebinding_between_check_and_connect_cannot_reach_the_second_address(receivers, answers):
    checked, internal = receivers("127.0.0.1", "127.0.0.2")
    answers.extend(["127.0.0.1", "127.0.0.2"])  # public when checked, internal on any later lookup
    outcome = post(f"http://{HOST}:{checked.port}/hook")
    assert (outcome.status_code, outcome.error) == (200, "")
    assert checked.requests == [{"host": f"{HOST}:{checked.port}", "path": "/hook"}]
    assert internal.connections == 0


def test_the_next_attempt_checks_again_and_refuses_the_rebound_name(receivers, answers):
    checked, internal = receivers("127.0.0.1", "127.0.0.2")
    answers.extend(["127.0.0.1", "127.0.0.2"])
    assert post(f"http://{HOST}:{checked.port}/hook").status_code == 200
    outcome = post(f"http://{HOST}:{checked.port}/hook")  # the kept-alive connection is not used
    assert outcome.status_code is None
    assert outcome.error == f"Refused: The host {HOST!r} resolves to a non-public address (127.0.0.2)."
    assert (len(checked.requests), internal.connections) == (1, 0)


def test_a_kept_alive_connection_is_used_only_while_its_address_is_the_one_checked(receivers, answers):
    first, second = receivers("127.0.0.1", "127.0.0.3")
    answers.extend(["127.0.0.1", "127.0.0.1", "127.0.0.3"])
    url = f"http://{HOST}:{first.port}/hook"
    assert [post(url).status_code for _ in range(3)] == [200, 200, 200]
    assert (first.connections, len(first.requests)) == (1, 2)  # two attempts, one connection
    assert (second.connections, len(second.requests)) == (1, 1)  # the name moved: a new connection there


@pytest.mark.parametrize("spelling", ["2130706433", "0x7f.1", "0177.0.0.1", "127.1", "[::ffff:127.0.0.1]"])
def test_a_numeric_host_connects_to_the_address_it_spells(receivers, answers, spelling):
    (receiver,) = receivers("127.0.0.1")
    outcome = post(f"http://{spelling}:{receiver.port}/hook")
    assert outcome.status_code == 200, outcome.error
    assert receiver.requests == [{"host": f"{spelling}:{receiver.port}", "path": "/hook"}]


@contextmanager
def _session_pinned_to_loopback(host: str, port: int) -> Iterator[requests.Session]:
    """The transport's session for ``https://host:port``, its one address 127.0.0.1."""
    target = ssrf.Target(scheme="https", host=host, port=port, addresses=((socket.AF_INET, ("127.0.0.1", port)),))
    session = transport._new_session(target)
    try:
        yield session
    finally:
        session.close()


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def test_https_to_a_pinned_address_keeps_sni_host_and_certificate_checks_for_the_name(
    receivers, answers, authority, tmp_path
):
    def server_context() -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("hooks.test").configure_cert(context)
        return context

    (receiver,) = receivers("127.0.0.1", tls=server_context)
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    # "hooks.test" has no DNS answer at all: the connection can only go to the pinned address.
    with _session_pinned_to_loopback("hooks.test", receiver.port) as session:
        response = session.post(f"https://hooks.test:{receiver.port}/hook", data=b"{}", verify=str(bundle), timeout=5)
        assert response.status_code == 200
        assert receiver.sni == ["hooks.test"]
        assert receiver.requests == [{"host": f"hooks.test:{receiver.port}", "path": "/hook"}]

    with (
        _session_pinned_to_loopback("wrong.test", receiver.port) as session,
        pytest.raises(requests.exceptions.SSLError, match=r"wrong\.test"),
    ):
        session.post(f"https://wrong.test:{receiver.port}/hook", data=b"{}", verify=str(bundle), timeout=5)
    assert len(receiver.requests) == 1
