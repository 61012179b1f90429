"""Processes the benchmarks start: ready when they say so, stopped with their whole session.

A server is ready when it writes its readiness line (gunicorn's ``Listening at``, redis-server's
``Ready to accept connections``, Celery's ``ready.``): the output is read line by line into the log
and the caller waits on an event set by that line, never polling.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(
    argv: list[str], log: Path, ready: str, timeout: float, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a session of its own and return once a line of its output contains ``ready``."""
    proc = subprocess.Popen(
        argv,
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    outcome: list[bool] = []  # True: the readiness line came; False: the output ended first
    decided = threading.Event()

    def copy() -> None:
        assert proc.stdout is not None
        with log.open("ab") as out:
            for line in proc.stdout:
                out.write(line)
                out.flush()
                if not decided.is_set() and ready.encode() in line:
                    outcome.append(True)
                    decided.set()
        if not decided.is_set():
            outcome.append(False)
            decided.set()

    threading.Thread(target=copy, daemon=True).start()
    if not decided.wait(timeout) or not outcome[0]:
        stop(proc)
        raise SystemExit(f"{argv[0]} did not say {ready!r} within {timeout} s; see {log}")
    return proc


def stop(proc: subprocess.Popen[bytes], timeout: float = 40) -> None:
    """SIGTERM to the process's session (make and its gunicorn, celery and its children), then SIGKILL."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
