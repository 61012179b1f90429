"""The production server under test, its workers' memory, and plain HTTP calls to it."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from tests.bench import processes
from tests.bench.http.settings import PASSWORD


def start_server(port: int, log: Path) -> subprocess.Popen:
    argv = ["make", "--no-print-directory", "serve-prod", f"BIND=127.0.0.1:{port}"]
    proc = processes.start(argv, log, ready="Listening at:", timeout=120, env=os.environ.copy())
    # The socket is bound: a request waits in its backlog until a worker has loaded the app.
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=120) as answer:
        if answer.status != 200:
            processes.stop(proc)
            raise SystemExit(f"serve-prod answered {answer.status} on /health/live; see {log}")
    return proc


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def gunicorn_workers(root_pid: int) -> list[int]:
    """Processes under ``root_pid`` whose parent is a gunicorn process too (the master's children)."""
    tree = _children()

    def is_gunicorn(pid: int) -> bool:
        try:
            return b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False

    workers, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        for child in tree.get(pid, []):
            if is_gunicorn(child) and is_gunicorn(pid):
                workers.append(child)
            todo.append(child)
    return sorted(workers)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes have used so far (those that have exited count nothing)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    """Every PostgreSQL process of this machine (the server under test and its backends)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == "postgres":
                    found.append(int(entry))
            except OSError:
                continue
    return found


# --- HTTP helpers -----------------------------------------------------------------------------
def http_json(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def login(base: str, username: str) -> str:
    status, body = http_json("POST", f"{base}/api/v1/auth/login", {"username": username, "password": PASSWORD})
    if status != 200:
        raise SystemExit(f"login of {username} answered {status}: {body}")
    return body["access_token"]
