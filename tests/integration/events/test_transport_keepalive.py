"""The webhook transport: attempts to one receiver share a keep-alive connection and send the same
bytes as a plain requests POST."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from events import transport
from tests.support.receivers import Receiver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_sessions")]


@pytest.fixture
def local_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


def test_attempts_to_one_receiver_share_a_connection(local_receiver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    for _ in range(3):
        outcome = transport.post(f"{local_receiver.server.url}/hook", b"{}", {"content-type": "application/json"})
        assert outcome.status_code == 200
    assert (len(local_receiver.requests), local_receiver.connections) == (3, 1)


def test_an_attempt_sends_the_same_request_bytes_as_a_plain_requests_post(settings):
    """The prepared request skips the session's merging; what goes on the wire does not change."""
    import socket

    import requests

    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    server = socket.create_server(("127.0.0.1", 0))
    heads: list[bytes] = []

    def serve() -> None:
        for _ in range(2):
            client, _ = server.accept()
            with client:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += client.recv(65536)
                heads.append(data.split(b"\r\n\r\n")[0])
                client.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    body = b'{"type":"order.created"}'
    headers = {"webhook-id": "7", "content-type": "application/json", "user-agent": transport.USER_AGENT}
    plain = requests.Session()
    plain.trust_env = False
    plain.post(url, data=body, headers=headers, allow_redirects=False, timeout=5).close()
    assert transport.post(url, body, headers).status_code == 200
    thread.join(timeout=10)
    server.close()
    assert len(heads) == 2
    assert heads[0] == heads[1]
    assert heads[0].count(b"user-agent: expedientes-webhooks/1\r\n") == 1
