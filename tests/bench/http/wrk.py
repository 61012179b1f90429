"""`wrk` runs and the queries one request costs (probed in this process)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import tempfile
from typing import Any

from tests.bench.http.settings import CONNECTIONS, LUA, WRK_THREADS, WRK_TIMEOUT, Scenario

WRK_LINE = re.compile(r"wrk-result: (.*)")


def run_wrk(base: str, lines: list[tuple[str, str, str, str]], seconds: float, run_id: str) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as handle:
        for method, path, token, body in lines:
            handle.write(f"{method}\t{path}\t{token}\t{body}\n")
        requests_file = handle.name
    env = {**os.environ, "BENCH_REQUESTS": requests_file, "BENCH_RUN": run_id, "BENCH_THREADS": str(WRK_THREADS)}
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        WRK_TIMEOUT,
        "-s",
        str(LUA),
        base,
    ]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    finally:
        os.unlink(requests_file)
    match = WRK_LINE.search(done.stdout)
    if not match:
        raise SystemExit(f"wrk gave no result line:\n{done.stdout}\n{done.stderr}")
    raw = dict(pair.split("=", 1) for pair in match.group(1).split())
    numbers = {key: (value if key == "first_non2xx" else int(float(value))) for key, value in raw.items()}
    seconds_run = numbers["duration_us"] / 1e6
    errors = numbers["non2xx"] + numbers["connect"] + numbers["read"] + numbers["write"] + numbers["timeout"]
    return {
        "requests": numbers["requests"],
        "rps": round(numbers["requests"] / seconds_run, 1) if seconds_run else 0.0,
        "p50_ms": round(numbers["p50_us"] / 1000, 2),
        "p90_ms": round(numbers["p90_us"] / 1000, 2),
        "p99_ms": round(numbers["p99_us"] / 1000, 2),
        "max_ms": round(numbers["max_us"] / 1000, 2),
        "errors": errors,
        "non2xx": numbers["non2xx"],
        "first_non2xx": numbers["first_non2xx"],
        "timeouts": numbers["timeout"],
    }


# --- queries per request, in this process -----------------------------------------------------
def probe(scenario: Scenario) -> tuple[int | None, int | None]:
    """The scenario's request once through Django's test client: (status, queries)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()

    def send(index: int) -> Any:
        method, path, token, body = scenario.lines[index]
        body = body.replace("{n}", f"probe-{secrets.token_hex(4)}")
        extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return client.generic(method, path, body.encode(), content_type="application/json", **extra)

    for index in scenario.probe_setup:
        send(index)
    with CaptureQueriesContext(connection) as queries:
        response = send(scenario.probe)
    return response.status_code, len(queries)
