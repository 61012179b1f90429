"""A webhook receiver on loopback for the transport tests: it answers every POST ``200 ok`` over
keep-alive HTTP/1.1 and keeps count of the connections, requests and TLS server names it saw."""

from __future__ import annotations

import ssl
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.http_server import LoopbackServer


class Receiver:
    """An HTTP server on one loopback address: the connections and requests it saw."""

    def __init__(self, address: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self.address = address
        self.connections = 0
        self.requests: list[dict[str, str]] = []
        self.sni: list[str | None] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                receiver.connections += 1

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"host": self.headers["Host"], "path": self.path})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = LoopbackServer(Handler, address, port)
        if tls is not None:
            tls.sni_callback = lambda sock, name, context: self.sni.append(name)  # type: ignore[assignment,misc]
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.port
        self.server.start()

    def close(self) -> None:
        self.server.close()
