"""The webhook receiver of the benchmarks: an asyncio HTTP/1.1 server in a subprocess that answers 200
(after an optional delay) and records when each webhook arrived, and the client that reads it back.

Run as python -m tests.bench.webhooks receiver PORT [DELAY_MS] (what ReceiverClient starts)."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.request import urlopen


def run_receiver(port: int, delay_ms: float = 0) -> None:
    """HTTP/1.1 with keep-alive; ``POST /<anything>`` records (path, webhook-id, arrival) and answers
    (after ``delay_ms``, a receiver's own work); ``GET /_stats`` returns the records, ``GET /_wait/N``
    returns them once there are N (the caller's own timeout bounds the wait) and ``POST /_reset``
    forgets them. Prints ``receiver ready`` once listening."""
    records: list[tuple[str, str, float]] = []
    arrivals = asyncio.Condition()

    def reply(writer: asyncio.StreamWriter, body: bytes, content_type: bytes = b"text/plain") -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: "
            + content_type
            + b"\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                arrived = time.time()
                lines = head.split(b"\r\n")
                _method, path = lines[0].split(b" ")[:2]
                headers = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(b":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get(b"content-length", b"0"))
                if length:
                    await reader.readexactly(length)
                if path == b"/_stats":
                    reply(writer, json.dumps(records).encode(), b"application/json")
                elif path.startswith(b"/_wait/"):
                    wanted = int(path.rsplit(b"/", 1)[1])
                    async with arrivals:
                        await arrivals.wait_for(lambda wanted=wanted: len(records) >= wanted)
                    reply(writer, json.dumps(records).encode(), b"application/json")
                elif path == b"/_reset":
                    records.clear()
                    reply(writer, b"ok")
                else:
                    records.append((path.decode(), headers.get(b"webhook-id", b"").decode(), arrived))
                    if delay_ms:
                        await asyncio.sleep(delay_ms / 1000)
                    reply(writer, b"ok")
                    async with arrivals:
                        arrivals.notify_all()
                await writer.drain()
                if headers.get(b"connection", b"").lower() == b"close":
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
        print("receiver ready", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


class ReceiverClient:
    def __init__(self, port: int) -> None:
        self.base_url = f"http://127.0.0.1:{port}"

    def _call(self, path: str, data: bytes | None = None, timeout: float = 30) -> bytes:
        with urlopen(f"{self.base_url}{path}", data=data, timeout=timeout) as response:  # noqa: S310 - loopback
            return bytes(response.read())

    def reset(self) -> None:
        self._call("/_reset", data=b"")

    def records(self) -> list[tuple[str, str, float]]:
        return [tuple(row) for row in json.loads(self._call("/_stats"))]  # type: ignore[misc]

    def wait_for_records(self, count: int, timeout: float) -> list[tuple[str, str, float]]:
        """The records once ``count`` have arrived (the receiver answers when they have)."""
        try:
            body = self._call(f"/_wait/{count}", timeout=timeout)
        except TimeoutError:
            raise SystemExit(f"bench-webhooks: fewer than {count} deliveries within {timeout} s") from None
        return [tuple(row) for row in json.loads(body)]  # type: ignore[misc]
