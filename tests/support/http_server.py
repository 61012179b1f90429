"""A loopback HTTP server in a thread, for the fakes of what lies outside the system (a payment
provider, webhook receivers): started on a free port, stopped within a few milliseconds."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# serve_forever() looks for a shutdown request this often; its default (half a second) is what every
# test that stops a server would wait.
POLL_SECONDS = 0.01


class LoopbackServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` whose handler threads never keep the process alive; ``start()``
    serves from a daemon thread, ``close()`` stops serving and frees the port."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], address: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((address, port), handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LoopbackServer:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True).start()
        return self

    def close(self) -> None:
        self.shutdown()
        self.server_close()
