"""A payment provider on a local socket: a small http.server in a thread that answers from a script."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.http_server import LoopbackServer


class FakeProvider:
    """Answers ``/charges`` and ``/refunds`` from a script of behaviours (the last one repeats)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.script: dict[str, list[str]] = {"charges": ["ok"], "refunds": ["ok"]}
        self.lock = threading.Lock()
        # A "slow" answer waits for this (set on close): later than any client timeout, without a fixed pause.
        self.released = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                kind = self.path.rstrip("/").rsplit("/", 1)[-1]
                with provider.lock:
                    provider.calls.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                    script = provider.script.get(kind, ["missing"])
                    behaviour = script.pop(0) if len(script) > 1 else script[0]
                status, answer, headers = provider.answer(kind, behaviour, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = LoopbackServer(Handler).start()
        self.url = self.server.url

    def answer(self, kind: str, behaviour: str, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if behaviour == "slow":
            self.released.wait(timeout=30)
            behaviour = "ok"
        if behaviour.isdigit():
            return int(behaviour), {"error": behaviour}, {}
        if behaviour == "503-retry-after-hour":
            return 503, {"error": "busy"}, {"Retry-After": "3600"}
        if kind == "refunds":
            return 200, {"id": "re_1", "status": "completed"}, {}
        charge = {"id": f"ch_{len(self.calls)}", "status": "completed", "amount": body["amount"], "currency": "EUR"}
        changes = {
            "ok": {},
            "declined": {"status": "failed"},
            "pending": {"status": "pending"},
            "weird": {"status": "weird"},
            "string-amount": {"amount": str(body["amount"])},
            "other-amount": {"amount": body["amount"] + 1},
            "other-currency": {"currency": "USD"},
        }
        return 200, {**charge, **changes[behaviour]}, {}

    def charges(self) -> list[dict[str, Any]]:
        return [call for call in self.calls if call["path"].endswith("/charges")]

    def close(self) -> None:
        self.released.set()
        self.server.close()
