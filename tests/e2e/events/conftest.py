"""A real Celery worker (with embedded beat) on Redis, a real HTTP receiver, a real SMTP server.

The worker is a subprocess that talks to the live test database (``transaction=True`` tests, so
what the test commits is what the worker sees). Lease, visibility timeout, retry schedule and
beat interval are short so the whole flow runs in seconds. Every wait polls a condition with a
deadline; nothing sleeps for a fixed time to hide a race.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import redis
from django.db import connection

from tests.support.e2e import BROKER_URL, broker, celery_worker_argv, database_url
from tests.support.http_server import LoopbackServer

PROJECT_DIR = Path(__file__).resolve().parents[3]

WORKER_ENV = {
    "CELERY_BROKER_URL": BROKER_URL,
    "WEBHOOKS_ALLOW_PRIVATE_HOSTS": "true",
    "WEBHOOK_RETRY_SCHEDULE": "0,1,1,2,2,3,3,3",
    "EMAIL_RETRY_SCHEDULE": "0,1,1,2",
    "OUTBOX_LEASE_SECONDS": "5",
    "OUTBOX_REQUEUE_SECONDS": "3",
    "OUTBOX_BEAT_SECONDS": "1",
    "CELERY_VISIBILITY_TIMEOUT": "15",
    "WEBHOOK_TIMEOUT_SECONDS": "4",
    "CONN_MAX_AGE": "0",
    "LOG_LEVEL": "INFO",
}


# --- the receiver ---------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """An HTTP server on loopback; ``fail_first[path] = n`` answers 500 to the first n tries of each id."""

    base_url: str = ""
    requests: list[Received] = field(default_factory=list)
    fail_first: dict[str, int] = field(default_factory=dict)
    hold: dict[str, threading.Event] = field(default_factory=dict)
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> int:
        held = self.hold.get(path)
        if held is not None:
            self.arrived.set()
            held.wait(timeout=60)
        with self.lock:
            seen = sum(
                1 for r in self.requests if r.path == path and r.headers.get("webhook-id") == headers.get("webhook-id")
            )
            status = 500 if seen < self.fail_first.get(path, 0) else 200
            self.requests.append(Received(path, headers, body, status))
        return status

    def succeeded(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path and r.status == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {key.lower(): value for key, value in self.headers.items()}
            status = state.answer(self.path, headers, body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"ok": status == 200}).encode())
            except OSError:  # the worker that sent this was killed
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = LoopbackServer(Handler).start()
    state.base_url = server.url
    yield state
    for event in state.hold.values():
        event.set()
    server.close()


# --- the broker -----------------------------------------------------------------------------------


@pytest.fixture
def queue_name() -> str:
    """A queue of this test's own, so parallel runs (xdist, other checkouts) never share messages."""
    return f"e2e-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def redis_broker(settings: Any, queue_name: str) -> Iterator[str]:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    client = redis.Redis.from_url(BROKER_URL)
    with broker(BROKER_URL, queue_name):
        yield BROKER_URL
    for key in client.scan_iter(match=f"{queue_name}*"):
        client.delete(key)


# --- the worker -----------------------------------------------------------------------------------


class Worker:
    def __init__(self, env: dict[str, str], log_path: Path, schedule_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.schedule_path = schedule_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            celery_worker_argv(
                f"e2e-{os.getpid()}",
                "--beat",
                "--schedule",
                str(self.schedule_path),
                "--pool=threads",
                "--concurrency=8",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ),
            cwd=PROJECT_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill() reaches every child
        )
        log.close()

    def kill(self) -> None:
        """``kill -9`` the worker's process group (the worker and its embedded beat)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""


@pytest.fixture
def make_worker(
    transactional_db: None, redis_broker: str, queue_name: str, tmp_path: Path
) -> Iterator[Callable[..., Worker]]:
    """``make_worker(**env)``: a worker on the live test database; stopped after the test."""
    workers: list[Worker] = []

    def factory(**extra_env: str) -> Worker:
        env = {
            **os.environ,
            **WORKER_ENV,
            "DATABASE_URL": database_url(),
            "CELERY_TASK_DEFAULT_QUEUE": queue_name,
            **extra_env,
        }
        env.pop("DJANGO_ENV", None)
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        worker = Worker(env, tmp_path / f"worker{len(workers)}.log", tmp_path / "beat-schedule")
        workers.append(worker)
        worker.start()
        return worker

    yield factory
    for worker in workers:
        worker.stop()
    connection.close()
