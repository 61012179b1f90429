"""`make bench-http`: the production server under `wrk`, scenario by scenario, beside its reference views.

    SIZE=10k|1m  SECONDS=10  WARMUP=3  CONNECTIONS=16  ROUNDS=3  ONLY=<regex>  python -m tests.bench.http

Other knobs: WRK_THREADS (1), WRK_TIMEOUT (10s), RSS_REQUESTS (10000; RSS=0 skips that part),
SEARCH_COMMON (the common search term, "garcia"), REBUILD=1 (the 1m database), BENCH_EMAIL_URL
(dummymail://: without a broker tasks run eagerly after commit, so their mail goes nowhere).

1. A database of its own, named after ``DATABASE_URL``'s (``<name>_http10k`` / ``<name>_http1m``):
   the 10k one is rebuilt on every run, the 1m one is built once and kept (``REBUILD=1`` rebuilds).
   Filled by ``manage.py seed`` when the project has it, else by ``tests.bench.seed_fallback``.
2. ``make serve-prod`` on a free loopback port with ``BENCH_VIEWS=true`` (the baseline and floor
   views of ``reports.benchviews``), keys shared with this process so it can mint tokens and cursors.
3. Per scenario: the queries one request costs (Django's test client in this process, under the same
   settings, with ``CaptureQueriesContext``), a warm-up, then ``wrk`` for ``SECONDS``; one line with
   req/s, p50, p99, errors, queries and the ratio to the scenario's baseline view. Then each read
   and its baseline alternate for ROUNDS - 1 more rounds (``rounds.py``): its ratio is their median.
4. Each gunicorn worker's RSS before and after 10,000 more requests (a mix of the reads).

Results go to ``bench/results/<timestamp>.json``. Latencies are wrk's (closed loop, at this many
connections mostly queueing); compare req/s within one run, the machine's cores are shared.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench import processes
from tests.bench.http.database import bench_fixtures, fill, prepare_database
from tests.bench.http.rounds import run_rounds
from tests.bench.http.scenarios import build_scenarios, rare_numero, rss_mix, selected
from tests.bench.http.server import cpu_seconds, gunicorn_workers, login, postgres_pids, rss_kib, start_server
from tests.bench.http.settings import CONNECTIONS, ROOT, ROUNDS, RSS_REQUESTS, SECONDS, SIZES, WARMUP, WRK_THREADS
from tests.bench.http.wrk import probe, run_wrk


def main() -> int:
    size = os.environ.get("SIZE", "10k").lower()
    if size not in SIZES:
        raise SystemExit(f"SIZE must be one of {', '.join(SIZES)}")
    url, needs_fill = prepare_database(size)
    # The server and this process share the database, the keys and the settings.
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_ENV": "production",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(64),
            "JWT_SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY") or secrets.token_urlsafe(64),
            "SECURE_SSL_REDIRECT": "false",
            "BENCH_VIEWS": "true",
            "DEBUG": "false",
            # Tokens must outlive a long run; mail goes nowhere (tasks run eagerly without a broker).
            "JWT_ACCESS_LIFETIME_SECONDS": os.environ.get("JWT_ACCESS_LIFETIME_SECONDS", str(6 * 3600)),
            "EMAIL_URL": os.environ.get("BENCH_EMAIL_URL", "dummymail://"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    import django

    django.setup()
    # This process's own requests (the query probes) run tasks eagerly; their INFO lines are noise here.
    logging.getLogger().setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    how = fill(size) if needs_fill else "kept"
    fx = bench_fixtures()

    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log = results_dir / f"{stamp}.server.log"
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port, log)
    report: dict[str, Any] = {}
    try:
        tokens = {"heavy": login(base, fx["heavy"].username), "clerk": login(base, fx["clerk"].username)}
        every = build_scenarios(fx, tokens)
        scenarios = selected(every)
        workers = gunicorn_workers(server.pid)
        load_at_start = os.getloadavg()[0]
        print(
            f"# bench-http SIZE={size} ({how}) db={url.rsplit('/', 1)[1]} server={base} workers={workers} "
            f"c={CONNECTIONS} t={WRK_THREADS} warm-up={WARMUP}s run={SECONDS}s cores={os.cpu_count()} "
            f"load={load_at_start:.2f} heavy={fx['heavy'].username} ({fx['heavy_rows']} expedientes)"
        )
        by_name = {sc.name: sc for sc in scenarios}
        header = (
            f"{'scenario':<36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'queries':>7} "
            f"{'vs baseline':>11} {'requests':>8} {'app ms':>7} {'db ms':>6}"
        )
        print(header)
        for n, sc in enumerate(scenarios):
            if sc.prepare:
                sc.prepare()
            status, queries = probe(sc)
            if sc.prepare:
                sc.prepare()
            if WARMUP:
                run_wrk(base, sc.warmup_lines or sc.lines, WARMUP, f"w{stamp[-7:-1]}{n}")
            if sc.prepare:
                sc.prepare()
            # CPU per request of the web workers and of PostgreSQL during the measured run: where the
            # machine's two cores went (wrk and the kernel take the rest).
            database_pids = postgres_pids()
            before = cpu_seconds(workers), cpu_seconds(database_pids)
            result = run_wrk(base, sc.lines, SECONDS, f"r{stamp[-7:-1]}{n}")
            if result["requests"]:
                spent = cpu_seconds(workers) - before[0], cpu_seconds(database_pids) - before[1]
                result["app_cpu_ms"] = round(spent[0] * 1000 / result["requests"], 2)
                result["db_cpu_ms"] = round(spent[1] * 1000 / result["requests"], 2)
            result.update(probe_status=status, queries=queries, baseline=sc.baseline)
            base_result = by_name[sc.baseline].result if sc.baseline in by_name else {}
            if base_result.get("rps"):
                result["ratio"] = round(result["rps"] / base_result["rps"], 2)
            sc.result = result
            ratio = f"{result['ratio']:.2f}x" if "ratio" in result else "-"
            flag = "" if status and 200 <= status < 300 else f"  (probe answered {status})"
            if result["errors"]:
                flag += f"  (first non-2xx: {result['first_non2xx']})"
            if not result["requests"]:
                flag += "  (no response within the run: raise SECONDS)"
            print(
                f"{sc.name:<36} {result['rps']:>8.1f} {result['p50_ms']:>8.1f} {result['p99_ms']:>8.1f} "
                f"{result['errors']:>7} {queries if queries is not None else '-':>7} {ratio:>11} "
                f"{result['requests']:>8} {result.get('app_cpu_ms', 0):>7.2f} {result.get('db_cpu_ms', 0):>6.2f}{flag}",
                flush=True,
            )
        # Ratios of scenarios measured before their baseline.
        for sc in scenarios:
            base_result = by_name[sc.baseline].result if sc.baseline in by_name else {}
            if "ratio" not in sc.result and base_result.get("rps"):
                sc.result["ratio"] = round(sc.result["rps"] / base_result["rps"], 2)
        run_rounds(base, scenarios, ROUNDS, stamp)

        admin = admin_changelists(fx["clerk"], os.environ.get("SEARCH_COMMON", "garcia"))
        rss = measure_rss(base, server.pid, rss_mix(every), stamp) if os.environ.get("RSS", "1") != "0" else {}
        report = {
            "started_at": stamp,
            "size": size,
            "filled_by": how,
            "database": url.rsplit("/", 1)[1],
            "connections": CONNECTIONS,
            "wrk_threads": WRK_THREADS,
            "seconds": SECONDS,
            "warmup": WARMUP,
            "rounds": ROUNDS,
            "cores": os.cpu_count(),
            "load_at_start": round(load_at_start, 2),
            "git_commit": subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
            ).stdout.strip(),
            "heavy_citizen_rows": fx["heavy_rows"],
            "scenarios": [{"name": sc.name, "path": sc.lines[0][1][:200], **sc.result} for sc in scenarios],
            "admin_changelists_ms": admin,
            "rss": rss,
        }
    finally:
        processes.stop(server)
    out = results_dir / f"{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"# results: {out.relative_to(ROOT)} (server log: {log.relative_to(ROOT)})")
    return 0


def admin_changelists(clerk: Any, common: str) -> dict[str, float]:
    """The expedientes changelist alone (this process, a clerk's session): best of 5, in ms.

    Searched for a common name, a whole numero (the API benchmark's rare one), a numero's prefix
    (``EXP-2024-05``: a tenth of the rows match, at a million created together well before the
    newest) and a year's (``EXP-2023``: a third of the rows, the oldest).
    """
    from django.test import Client

    rare = rare_numero()

    client = Client()
    client.force_login(clerk)
    pages = {
        "plain": "/admin/expedientes/expediente/",
        "estado": "/admin/expedientes/expediente/?estado__exact=en_revision",
        "search common": f"/admin/expedientes/expediente/?q={common}",
        "search numero": f"/admin/expedientes/expediente/?q={rare}",
        "search numero prefix": "/admin/expedientes/expediente/?q=EXP-2024-05",
        "search year prefix": "/admin/expedientes/expediente/?q=EXP-2023",
    }
    timings = {}
    for name, path in pages.items():
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            status = client.get(path).status_code
            best = min(best, (time.perf_counter() - started) * 1000)
        timings[name] = round(best, 1) if status == 200 else float("nan")
    print("# admin changelist alone (best of 5): " + ", ".join(f"{k} {v:.0f} ms" for k, v in timings.items()))
    return timings


def measure_rss(base: str, server_pid: int, mix: list[tuple[str, str, str, str]], stamp: str) -> dict[str, Any]:
    """Each worker's VmRSS before and after RSS_REQUESTS more requests (the read mix), after a warm-up."""
    run_wrk(base, mix, max(WARMUP, 1), f"m{stamp[-7:-1]}w")
    workers = gunicorn_workers(server_pid)
    before = {pid: rss_kib(pid) for pid in workers}
    done, rounds = 0, 0
    rate = 100.0
    while done < RSS_REQUESTS and rounds < 20:
        seconds = max(2.0, min(120.0, (RSS_REQUESTS - done) / rate * 1.1))
        result = run_wrk(base, mix, seconds, f"m{stamp[-7:-1]}{rounds}")
        done += result["requests"]
        rate = max(result["rps"], 1.0)
        rounds += 1
    after = {pid: rss_kib(pid) for pid in workers if Path(f"/proc/{pid}").exists()}
    lines = []
    for pid in workers:
        if pid not in after:
            lines.append({"pid": pid, "before_kib": before[pid], "after_kib": None, "growth_pct": None})
            continue
        growth = (after[pid] - before[pid]) / before[pid] * 100 if before[pid] else 0.0
        lines.append({"pid": pid, "before_kib": before[pid], "after_kib": after[pid], "growth_pct": round(growth, 1)})
    text = ", ".join(
        f"pid {w['pid']}: {w['before_kib'] / 1024:.1f} -> "
        + (f"{w['after_kib'] / 1024:.1f} MiB ({w['growth_pct']:+.1f}%)" if w["after_kib"] else "gone (restarted)")
        for w in lines
    )
    print(f"# worker RSS over {done} requests (read mix): {text}")
    return {"requests": done, "workers": lines}


if __name__ == "__main__":
    sys.exit(main())
