"""The reports and the exports at size: `make serve-prod` against a seeded database.

    DATABASE_URL=postgres://.../<seeded db> SECONDS=20 CONNECTIONS=4 python -m tests.bench.reports

The database must have been filled by ``manage.py seed`` (its ``bench_clerk`` logs in with the
seed's password) and migrated; it is only read (each export adds one audit row). Two parts:

1. Each report endpoint under ``wrk`` (``CONNECTIONS`` connections, ``SECONDS`` each, after a
   ``WARMUP``): req/s, p50, p99 and errors, for the default twelve weeks of the seeded span
   (``PERIOD``, default its last twelve weeks), one clerk, and a whole year (``YEAR``).
2. Exports of expedientes through the admin (a session of ``bench_clerk``), CSV and XLSX: of
   ``EXPORT_QUERY`` (default every ``rechazado`` one, ~100k rows at a million), of
   ``EXPORT_QUERY_SMALL`` (~5k) to compare with, and with ``EXPORT_ALL=1`` every expediente as CSV:
   rows, bytes, seconds to the first byte and to the last, and the serving worker's RSS before and
   at its peak (sampled every 20 ms while the response streams).

Results go to ``bench/results/reports-<timestamp>.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench import processes
from tests.bench.http.server import gunicorn_workers, http_json, rss_kib, start_server
from tests.bench.http.settings import CONNECTIONS, env_int
from tests.bench.http.wrk import run_wrk

ROOT = Path(__file__).resolve().parents[2]
SECONDS = env_int("SECONDS", 20)
WARMUP = env_int("WARMUP", 3)
PERIOD = os.environ.get("PERIOD", "from=2025-10-06&to=2025-12-28")
YEAR = os.environ.get("YEAR", "from=2025-01-01&to=2025-12-31")
EXPORT_QUERY = os.environ.get("EXPORT_QUERY", "estado__exact=rechazado")
EXPORT_QUERY_SMALL = os.environ.get("EXPORT_QUERY_SMALL", "estado__exact=rechazado&created_at__gte=2025-11-01")


def exports() -> list[tuple[str, str, str]]:
    """(label, format, query): the large export in both formats, a small one to compare the memory
    with, and (``EXPORT_ALL=1``) every expediente as CSV."""
    runs = [
        ("large csv", "csv", EXPORT_QUERY),
        ("large xlsx", "xlsx", EXPORT_QUERY),
        ("small csv", "csv", EXPORT_QUERY_SMALL),
        ("small xlsx", "xlsx", EXPORT_QUERY_SMALL),
    ]
    if os.environ.get("EXPORT_ALL") == "1":
        runs.append(("every expediente csv", "csv", ""))
    return runs


def scenarios(clerk_id: int) -> dict[str, str]:
    base = "/api/v1/reports"
    return {
        "processing-times 12 weeks": f"{base}/processing-times?{PERIOD}",
        "processing-times 12 weeks, one clerk": f"{base}/processing-times?{PERIOD}&assigned_to={clerk_id}",
        "processing-times 1 year": f"{base}/processing-times?{YEAR}",
        "throughput 12 weeks": f"{base}/throughput?{PERIOD}",
        "throughput 1 year": f"{base}/throughput?{YEAR}",
        "service-level": f"{base}/service-level",
        "service-level, one clerk": f"{base}/service-level?assigned_to={clerk_id}",
        "backlog": f"{base}/backlog",
        "orders 12 weeks": f"{base}/orders?{PERIOD}",
        "orders 1 year": f"{base}/orders?{YEAR}",
        "webhooks 12 weeks": f"{base}/webhooks?{PERIOD}",
        "webhooks 1 year": f"{base}/webhooks?{YEAR}",
    }


def admin_session(user: Any) -> str:
    """A session for ``user`` written straight to the session store (the login form is not what is
    measured); the server shares this process' SECRET_KEY, so it accepts it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def export(session: str, url: str, workers: list[int]) -> dict[str, Any]:
    before = {pid: rss_kib(pid) for pid in workers}
    peak = dict(before)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in workers:
                with contextlib.suppress(OSError):
                    peak[pid] = max(peak[pid], rss_kib(pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    first = None
    size = 0
    lines = 0
    # Production settings: the session cookie is for HTTPS, which the proxy in front terminates.
    headers = {"Cookie": f"sessionid={session}", "X-Forwarded-Proto": "https"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=900) as answer:  # noqa: S310 - loopback
        while chunk := answer.read(65536):
            if first is None:
                first = time.monotonic() - started
            size += len(chunk)
            lines += chunk.count(b"\n")
    total = time.monotonic() - started
    done.set()
    sampler.join()
    grown = {pid: peak[pid] - before[pid] for pid in workers}
    busiest = max(grown, key=lambda pid: grown[pid])
    return {
        "bytes": size,
        "csv_rows": lines - 1 if url.split("?")[0].endswith("/csv/") else None,
        "first_byte_s": round(first or total, 2),
        "total_s": round(total, 2),
        "worker_rss_before_mib": round(before[busiest] / 1024, 1),
        "worker_rss_peak_mib": round(peak[busiest] / 1024, 1),
        "worker_rss_growth_mib": round(grown[busiest] / 1024, 1),
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.update(
        {
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(64),
            "JWT_SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY") or secrets.token_urlsafe(64),
            "JWT_ACCESS_LIFETIME_SECONDS": os.environ.get("JWT_ACCESS_LIFETIME_SECONDS", str(6 * 3600)),
            "EMAIL_URL": os.environ.get("BENCH_EMAIL_URL", "dummymail://"),
        }
    )
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from seeding.management.commands.seed import BENCH_PASSWORD

    clerk = get_user_model().objects.get(username="bench_clerk")
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.gettempdir()) / f"bench-reports-{port}.log"
    server = start_server(port, log)
    results: dict[str, Any] = {"connections": CONNECTIONS, "seconds": SECONDS, "reports": {}, "exports": {}}
    try:
        status, body = http_json(
            "POST", f"{base}/api/v1/auth/login", {"username": "bench_clerk", "password": BENCH_PASSWORD}
        )
        if status != 200:
            raise SystemExit(f"login answered {status}: {body}")
        token = body["access_token"]
        print(f"{'report':40s} {'req/s':>7s} {'p50 ms':>8s} {'p99 ms':>8s} {'max ms':>8s} errors", flush=True)
        only = os.environ.get("ONLY", "")
        for name, path in scenarios(clerk.pk).items():
            if only and only not in name:
                continue
            lines = [("GET", path, token, "")]
            run_wrk(base, lines, WARMUP, secrets.token_hex(4))
            got = run_wrk(base, lines, SECONDS, secrets.token_hex(4))
            results["reports"][name] = {"path": path, **got}
            print(
                f"{name:40s} {got['rps']:7.1f} {got['p50_ms']:8.1f} {got['p99_ms']:8.1f} {got['max_ms']:8.1f} "
                f"{got['errors']}",
                flush=True,
            )
        session = admin_session(clerk)
        workers = gunicorn_workers(server.pid)
        for label, fmt, query in exports():
            url = f"{base}/admin/expedientes/expediente/export/{fmt}/?{query}"
            got = export(session, url, workers)
            results["exports"][label] = {"query": query, **got}
            print(f"export {label}: {json.dumps(got)}", flush=True)
    finally:
        processes.stop(server)
    out = ROOT / "bench" / "results" / f"reports-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"results: {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
