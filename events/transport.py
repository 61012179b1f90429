"""Webhook HTTP transport: the signed body, and one POST over a keep-alive session per receiver that
connects only to the addresses ``events.ssrf`` checked."""

from __future__ import annotations

import logging
import socket
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import requests
import urllib3
import urllib3.connection
import urllib3.exceptions
from django.conf import settings
from requests.adapters import HTTPAdapter
from standardwebhooks import Webhook
from urllib3.util.timeout import _DEFAULT_TIMEOUT

from core.http import parse_retry_after
from events import ssrf

logger = logging.getLogger(__name__)

USER_AGENT = "expedientes-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int | None
    error: str
    excerpt: str = ""
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def body(event_type: str, created_at: datetime, data: Any) -> bytes:
    """The body of every attempt: ``{"type", "timestamp", "data"}`` with the event's own time."""
    timestamp = created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return orjson.dumps({"type": event_type, "timestamp": timestamp, "data": data})


def sign_headers(*, msg_id: str, body: bytes, secrets: list[str], at: datetime) -> dict[str, str]:
    """Standard Webhooks headers; one ``v1,`` signature per secret, space separated."""
    text = body.decode()
    signatures = " ".join(Webhook(secret).sign(msg_id=msg_id, timestamp=at, data=text) for secret in secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


# --- HTTP: one keep-alive session per receiver, connecting only to the checked addresses ------------


class _PinnedHTTPConnection(urllib3.connection.HTTPConnection):
    """Connects to the addresses ``events.ssrf.resolve`` checked (``pinned``), never to what a new
    lookup of the name would answer; the name itself still goes in the Host header and, over
    TLS, in SNI and the certificate check."""

    pinned: tuple[tuple[int, ssrf.SockAddr], ...] = ()

    def _new_conn(self) -> socket.socket:
        error: OSError | None = None
        for family, sockaddr in self.pinned:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                if self.timeout is not _DEFAULT_TIMEOUT:
                    sock.settimeout(self.timeout)
                sock.connect(sockaddr)
            except TimeoutError as exc:
                sock.close()
                raise urllib3.exceptions.ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                ) from exc
            except OSError as exc:
                sock.close()
                error = exc
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        raise urllib3.exceptions.NewConnectionError(self, f"Failed to establish a new connection: {error}")


class _PinnedHTTPSConnection(_PinnedHTTPConnection, urllib3.connection.HTTPSConnection):
    pass


class _PinnedAdapter(HTTPAdapter):
    """An adapter whose every connection goes to ``target``'s checked addresses."""

    def __init__(self, target: ssrf.Target) -> None:
        self.target = target
        super().__init__(pool_connections=1, pool_maxsize=1, max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        pinned = {"pinned": self.target.addresses}
        http = type("_Pinned", (_PinnedHTTPConnection,), pinned)
        https = type("_PinnedTLS", (_PinnedHTTPSConnection,), pinned)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("_PinnedPool", (urllib3.HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("_PinnedTLSPool", (urllib3.HTTPSConnectionPool,), {"ConnectionCls": https}),
        }


MAX_SESSIONS = 64
DEFAULT_HEADERS = requests.utils.default_headers()
_local = threading.local()


def _new_session(target: ssrf.Target) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment may redirect webhooks elsewhere
    adapter = _PinnedAdapter(target)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@contextmanager
def _session_for(target: ssrf.Target) -> Iterator[requests.Session]:
    """A session per receiver (scheme, host, port), reused while it was used in the last
    ``WEBHOOK_KEEPALIVE_SECONDS`` (0: a fresh session per attempt, closed after it) and while the
    check answers the same addresses its connection was pinned to. Per thread."""
    keepalive = float(settings.WEBHOOK_KEEPALIVE_SECONDS)
    if keepalive <= 0:
        session = _new_session(target)
        try:
            yield session
        finally:
            session.close()
        return
    sessions: OrderedDict[tuple[str, str, int], tuple[requests.Session, ssrf.Target, float]] | None = getattr(
        _local, "sessions", None
    )
    if sessions is None:
        sessions = _local.sessions = OrderedDict()
    key = (target.scheme, target.host, target.port)
    now = time.monotonic()
    entry = sessions.pop(key, None)
    if entry is not None and (now - entry[2] > keepalive or entry[1] != target):
        # The receiver may have closed an idle connection by now; or its name answers other
        # addresses than the connection was made to, and an attempt goes only where it checked.
        entry[0].close()
        entry = None
    session = entry[0] if entry is not None else _new_session(target)
    try:
        yield session
    except BaseException:
        session.close()
        raise
    sessions[key] = (session, target, time.monotonic())
    while len(sessions) > MAX_SESSIONS:
        _, (old, _, _) = sessions.popitem(last=False)
        old.close()


def close_sessions() -> None:
    """Close this thread's keep-alive sessions (tests; a worker simply exits)."""
    sessions = getattr(_local, "sessions", None) or {}
    for session, _, _ in sessions.values():
        session.close()
    sessions.clear()


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """One POST: 15 s timeout, redirects never followed, a short excerpt of the answer kept."""
    started = time.monotonic()
    try:
        target = ssrf.resolve(url)  # checked once; the connection goes to these very addresses
    except ssrf.UnsafeURL as exc:
        return Outcome(status_code=None, duration_ms=0, error=f"Refused: {exc}")
    assert target is not None  # only registration may leave a name unresolved
    try:
        # Prepared without the session's merging (a profiled third of the client's time): the
        # same default headers as ``session.post`` sends, and never a cookie a receiver set.
        merged = requests.structures.CaseInsensitiveDict(DEFAULT_HEADERS)
        merged.update(headers)
        prepared = requests.Request("POST", url, data=body, headers=merged).prepare()
        with (
            _session_for(target) as session,
            session.send(
                prepared, timeout=settings.WEBHOOK_TIMEOUT_SECONDS, allow_redirects=False, stream=True
            ) as response,
        ):
            raw = response.raw.read(settings.WEBHOOK_RESPONSE_EXCERPT_BYTES, decode_content=True) or b""
            if response.raw.read(1):  # more than the excerpt: do not keep a half-read connection
                session.close()
            duration = int((time.monotonic() - started) * 1000)
            excerpt = raw.decode("utf-8", "replace")
            code = response.status_code
            error = ""
            if 300 <= code < 400:
                error = f"Redirect ({code}) not followed"
            elif not 200 <= code < 300:
                error = f"HTTP {code}"
            retry_after = parse_retry_after(response.headers.get("Retry-After")) if code in (429, 503) else None
            return Outcome(code, duration, error, excerpt, retry_after)
    except ssrf.UnsafeURL as exc:
        return Outcome(status_code=None, duration_ms=0, error=f"Refused: {exc}")
    except requests.Timeout:
        error = f"Timed out after {settings.WEBHOOK_TIMEOUT_SECONDS} s"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    except Exception as exc:  # whatever broke, it is this attempt's failure, not the worker's
        logger.exception("webhook POST to %s failed unexpectedly", url)
        error = f"{type(exc).__name__}: {exc}"[:500]
    return Outcome(status_code=None, duration_ms=int((time.monotonic() - started) * 1000), error=error)
