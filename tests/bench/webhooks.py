"""`make bench-webhooks`: webhook throughput and commit-to-delivery latency of ONE Celery worker process.

What it starts, all on loopback and all stopped at the end:

- its own ``redis-server`` on a free port (the broker; nothing shared is touched),
- a receiver (an asyncio HTTP/1.1 server in a subprocess) that answers ``200`` at once and records
  when each webhook arrived,
- one real worker: ``celery -A config worker --pool=prefork --concurrency=1``.

It runs against a database of its own (``<name>_webhooks_bench``, kept between runs, emptied before
each scenario). For 1 and for 3 endpoints it measures:

- **backlog**: ``--events`` events are committed while no worker runs (their messages wait in Redis);
  then the worker starts, and deliveries/s is counted from the first arrival to the last;
- **steady**: with the worker running, events are committed at ``--rate`` per second for
  ``--seconds``; commit-to-delivery is each webhook's arrival time minus the time its transaction
  returned from COMMIT in this process (same clock), reported as p50/p90/p99/max;
- **idle**: the same at 5 events/s, so latency without a queue is visible too.

Figures are printed and written as JSON under ``bench/results/``. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.bench import processes
from tests.bench.receiver import ReceiverClient, run_receiver
from tests.bench.webhook_scenarios import backlog, empty_tables, steady

PROJECT_DIR = processes.PROJECT_DIR
RESULTS_DIR = PROJECT_DIR / "bench" / "results"


# --- the receiver (runs in its own process: `python -m tests.bench.webhooks receiver PORT [DELAY_MS]`) -


# --- processes ----------------------------------------------------------------------------------------


def worker_argv() -> list[str]:
    from tests.support.e2e import celery_worker_argv  # after django.setup(), like database_url

    return celery_worker_argv(
        f"bench-webhooks-{os.getpid()}",
        "--pool=prefork",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=WARNING",
    )


# --- the scenarios ------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    if argv[:1] == ["receiver"]:
        run_receiver(int(argv[1]), float(argv[2]) if len(argv) > 2 else 0)
        return 0
    parser = argparse.ArgumentParser(prog="make bench-webhooks", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000, help="events in the backlog (default 1000)")
    parser.add_argument("--endpoints", default="1,3", help="endpoint counts to run, comma separated (default 1,3)")
    parser.add_argument("--rate", type=float, default=100.0, help="events/s in the steady phase (default 100)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the steady phase (default 10)")
    parser.add_argument("--publishers", type=int, default=4, help="threads committing events (default 4)")
    parser.add_argument("--label", default="", help="a word saved with the results (e.g. before/after)")
    parser.add_argument(
        "--py-spy",
        action="store_true",
        help="profile the worker during each backlog with py-spy (collapsed stacks under bench/results/)",
    )
    args = parser.parse_args(argv)

    redis_port, receiver_port = processes.free_port(), processes.free_port()
    broker_url = f"redis://127.0.0.1:{redis_port}/0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CELERY_BROKER_URL"] = broker_url
    os.environ["WEBHOOKS_ALLOW_PRIVATE_HOSTS"] = "true"
    os.environ.pop("DJANGO_ENV", None)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from tests.support.e2e import database_url

    name = settings.DATABASES["default"]["NAME"] + "_webhooks_bench"
    settings.DATABASES["default"]["TEST"].update(NAME=name)
    connection.settings_dict["TEST"].update(NAME=name)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)

    logs = RESULTS_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    worker_env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "WEBHOOKS_ALLOW_PRIVATE_HOSTS": "true",
        "LOG_LEVEL": "WARNING",
    }
    redis_argv = ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    results: dict[str, Any] = {
        "label": args.label,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True, check=False
        ).stdout.strip(),
        "cpus": os.cpu_count(),
        "worker": " ".join(worker_argv()[1:]),
        "backlog": [],
        "steady": [],
        "idle": [],
    }
    receiver_argv = [sys.executable, "-m", "tests.bench.webhooks", "receiver", str(receiver_port)]
    redis = processes.start(redis_argv, logs / "redis.log", ready="Ready to accept connections", timeout=20)
    receiver_process = processes.start(receiver_argv, logs / "receiver.log", ready="receiver ready", timeout=20)
    try:
        receiver = ReceiverClient(receiver_port)
        for endpoints in [int(part) for part in args.endpoints.split(",") if part]:
            workers: list[subprocess.Popen[bytes]] = []

            def stop_workers(workers: list[subprocess.Popen[bytes]] = workers) -> None:
                worker, *spies = workers
                processes.stop(worker)
                for spy in spies:  # py-spy writes its profile once the worker is gone
                    spy.wait(timeout=20)
                workers.clear()

            def start_worker(
                profile: bool, workers: list[subprocess.Popen[bytes]] = workers, endpoints: int = endpoints
            ) -> subprocess.Popen[bytes]:
                with (logs / "worker.log").open("ab") as out:
                    worker = subprocess.Popen(
                        worker_argv(),
                        cwd=PROJECT_DIR,
                        env=worker_env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                    workers.append(worker)
                    if profile and args.py_spy:
                        profile_path = (
                            RESULTS_DIR
                            / f"webhooks-profile-{endpoints}-endpoints{'-' + args.label if args.label else ''}.txt"
                        )
                        spy = [str(Path(sys.executable).parent / "py-spy"), "record", "--subprocesses"]
                        spy += ["--format", "raw", "-o", str(profile_path), "--pid", str(worker.pid)]
                        # Its own session too; it writes the profile once the worker exits.
                        workers.append(
                            subprocess.Popen(spy, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
                        )
                return worker

            def restart_worker(
                stop: Callable[[], None] = stop_workers, start: Callable[[bool], Any] = start_worker
            ) -> None:
                stop()
                empty_tables()
                start(False)

            try:
                row = backlog(receiver, start_worker, args.events, endpoints)
                print(
                    f"backlog  {endpoints} endpoint(s): {row['deliveries']} deliveries in {row['seconds']} s "
                    f"= {row['deliveries_per_second']} deliveries/s "
                    f"(worker CPU {row['worker_cpu_ms_per_delivery']} ms per delivery)",
                    flush=True,
                )
                results["backlog"].append(row)
                for phase, rate, seconds in (("steady", args.rate, args.seconds), ("idle", 5.0, 4.0)):
                    row = steady(
                        receiver,
                        restart_worker,
                        rate,
                        seconds,
                        endpoints,
                        args.publishers,
                    )
                    latency = row["latency_ms"]
                    print(
                        f"{phase:<8} {endpoints} endpoint(s), {rate:g} events/s "
                        f"({row['offered_deliveries_per_second']} deliveries/s offered, "
                        f"{row['delivered_per_second']} delivered/s): commit-to-delivery "
                        f"p50 {latency['p50']} ms, p90 {latency['p90']} ms, p99 {latency['p99']} ms, "
                        f"max {latency['max']} ms",
                        flush=True,
                    )
                    results[phase].append(row)
            finally:
                if workers:
                    stop_workers()
    finally:
        processes.stop(receiver_process)
        processes.stop(redis)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"webhooks-{stamp}{'-' + args.label if args.label else ''}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {path.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
