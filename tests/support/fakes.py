"""A fake DNS for the webhook tests: names resolve to fixed addresses, never over the network."""

from __future__ import annotations

import socket
from typing import Any

# Names the tests use instead of real DNS (never resolved over the network).
FAKE_DNS = {
    "hooks.example.com": "93.184.216.34",
    "other.example.com": "93.184.216.35",
    "third.example.com": "93.184.216.36",
    "internal.example.com": "10.0.0.5",
    "metadata.example.com": "169.254.169.254",
}


def fake_getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
    address = FAKE_DNS.get(host, host)
    try:
        socket.inet_pton(socket.AF_INET, address)
        family = socket.AF_INET
    except OSError:
        try:
            socket.inet_pton(socket.AF_INET6, address)
            family = socket.AF_INET6
        except OSError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
    sockaddr = (address, int(port or 0)) if family == socket.AF_INET else (address, int(port or 0), 0, 0)
    return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]
