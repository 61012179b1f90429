"""HTTP probes of the fault run: one request with its status, content type and body; the 503 problem the API
must answer while the database is down; polling with a deadline; locust's figures."""

from __future__ import annotations

import csv
import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen


def http(method: str, url: str, token: str = "", body: dict[str, Any] | None = None) -> tuple[int, str, Any]:
    """``(status, content type, JSON body or None)``; ``(0, error, None)`` when nothing answered."""
    data = json.dumps(body).encode() if body is not None else None
    request = Request(url, data=data, method=method)  # noqa: S310 - loopback
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            status, content_type, raw = response.status, response.headers.get("Content-Type", ""), response.read()
    except HTTPError as exc:
        status, content_type, raw = exc.code, exc.headers.get("Content-Type", ""), exc.read()
    except (URLError, OSError) as exc:
        return 0, type(exc).__name__, None
    try:
        return status, content_type, json.loads(raw) if raw else None
    except ValueError:
        return status, content_type, None


def is_unavailable_problem(answer: tuple[int, str, Any]) -> bool:
    status, content_type, body = answer
    return (
        status == 503
        and content_type.startswith("application/problem+json")
        and isinstance(body, dict)
        and body.get("code") == "service_unavailable"
    )


def poll_until(condition: Any, timeout: float, every: float) -> bool:
    """Ask ``condition()`` every ``every`` seconds until it holds (True) or ``timeout`` passes (False).

    For states only a query can tell (the outbox drained, the API answering again): no process
    announces them, so they are asked for, never waited out with a fixed pause.
    """
    deadline = time.monotonic() + timeout
    asked = threading.Event()  # never set: its wait() is the interval between two questions
    while not condition():
        if time.monotonic() >= deadline:
            return False
        asked.wait(every)
    return True


def locust_figures(prefix: Path) -> dict[str, Any]:
    rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open()))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    failure_rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_failures.csv").open()))
    reasons: Counter[str] = Counter()
    for row in failure_rows:
        reasons[row["Error"]] += int(row["Occurrences"])
    return {
        "requests": requests,
        "served": requests - failures,
        "failures": failures,
        "error_ratio": round(failures / requests, 4) if requests else None,
        "p50_ms": float(total["50%"]),
        "p99_ms": float(total["99%"]),
        "requests_per_second": round(float(total["Requests/s"]), 1),
        "failure_reasons": dict(reasons.most_common()),
        "by_request": {
            row["Name"]: {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"])}
            for row in rows
            if row["Name"] != "Aggregated"
        },
    }
