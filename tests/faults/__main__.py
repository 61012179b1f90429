"""`make e2e-faults`: the local topology under load while a worker, Redis and PostgreSQL fail; then an audit.

What it starts, all on loopback, all its own and all stopped at the end (nothing shared is touched):

- an embedded PostgreSQL (``config.embedded_db``, as ``make run`` uses) in ``.data/faults/postgres``
  on a port of its own, with a fresh ``faults`` database (migrated, then a few citizens, clerks,
  products and two webhook endpoints);
- ``redis-server --port N`` (append-only, as in compose) as broker and cache;
- a webhook receiver that records every delivery (``tests.bench.webhooks receiver``);
- every process of ``Procfile.local`` (two gunicorn servers behind the balancer, two Celery workers,
  beat, the SMTP sink), started from its lines with this run's ports and URLs;
- ``locust --headless`` with fixed users and seconds (``tests/faults/locustfile.py``).

During the load: the first worker's process group gets SIGKILL (a supervisor restarts it a few
seconds later), Redis is restarted, and PostgreSQL is stopped and started again. While the database
is down the API must answer ``503`` problems (``application/problem+json``, code
``service_unavailable``) on both servers, and afterwards recover without a restart of anything.

Once the load ends and the outbox has drained, ``tests.faults.audit`` checks the database against
itself, against the writes the client saw acknowledged, against the receiver and against the mail
sink. Figures are printed and written as JSON under ``bench/results/``; the exit status is 1 when a
check fails (anything lost, over-sold, unpaid or double-written; more duplicate deliveries than
killed workers; a wrong answer during the outage; no recovery).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from scripts import local_topology
from tests.bench import processes
from tests.bench.receiver import ReceiverClient
from tests.faults import report
from tests.faults.checks import checks
from tests.faults.load import Load, database_outage, kill_worker, restart_redis
from tests.faults.postgres import OwnPostgres
from tests.faults.probes import http, locust_figures
from tests.faults.topology import ENDPOINTS, INITIAL_STOCK, PASSWORD, Topology, drain, make_endpoints, seed

PROJECT_DIR = processes.PROJECT_DIR
RESULTS_DIR = PROJECT_DIR / "bench" / "results"
STATE_DIR = PROJECT_DIR / ".data" / "faults"
DATABASE = "faults"

# Short leases and intervals, so a killed worker's claims and a lost message come back within the run.
TOPOLOGY_ENV = {
    "WEBHOOKS_ALLOW_PRIVATE_HOSTS": "true",
    "WEBHOOK_RETRY_SCHEDULE": "0,1,2,3,5,5,5,5",
    "EMAIL_RETRY_SCHEDULE": "0,1,2,3,5,5,5,5",
    "WEBHOOK_TIMEOUT_SECONDS": "5",
    # Each attempt is recorded as soon as it is made: a killed worker leaves at most one unrecorded.
    "WEBHOOK_BATCH_FLUSH_SECONDS": "0",
    "OUTBOX_LEASE_SECONDS": "20",
    "OUTBOX_REQUEUE_SECONDS": "8",
    "OUTBOX_BEAT_SECONDS": "2",
    "OUTBOX_WORKER_SWEEP_SECONDS": "2",
    "CELERY_VISIBILITY_TIMEOUT": "60",
    "DB_CONNECT_TIMEOUT": "2",
    "WORKER_CONCURRENCY": "1",
    "GUNICORN_WORKERS": "2",
    "GUNICORN_ACCESSLOG": "",
    "PAYMENT_PROVIDER": "fake",
    "JWT_ACCESS_LIFETIME_SECONDS": "3600",
}


def log(message: str) -> None:
    print(f"e2e-faults: {message}", flush=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    logs = RESULTS_DIR / f"e2e-faults-{time.strftime('%Y%m%d-%H%M%S')}"
    logs.mkdir(parents=True, exist_ok=True)
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as cleanup:  # whatever fails, everything started is stopped (last first)
        result = _run(args, logs, cleanup)
    result["timings_s"]["total"] = round(time.monotonic() - started, 1)
    result["logs"] = str(logs.relative_to(PROJECT_DIR))
    return result


def _run(args: argparse.Namespace, logs: Path, cleanup: contextlib.ExitStack) -> dict[str, Any]:
    log("starting PostgreSQL (embedded, its own data directory and port)")
    pg = OwnPostgres(STATE_DIR / "postgres")
    cleanup.callback(pg.close)
    pg.execute("postgres", f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    pg.execute("postgres", f'CREATE DATABASE "{DATABASE}"')
    database_url = pg.url(DATABASE)
    os.environ.update(TOPOLOGY_ENV, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings")
    os.environ.pop("DJANGO_ENV", None)
    os.environ.pop("CELERY_BROKER_URL", None)

    redis_port, receiver_port, web_port, mail_port = (processes.free_port() for _ in range(4))
    env = local_topology.environment(
        {
            **TOPOLOGY_ENV,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/1",
            "WEB_PORT": str(web_port),
            "WEB1_PORT": str(processes.free_port()),
            "WEB2_PORT": str(processes.free_port()),
            "MAIL_PORT": str(mail_port),
            "EMAIL_URL": f"smtp://127.0.0.1:{mail_port}",
            "LOCAL_NAME": f"faults{os.getpid()}",
        },
        state_dir=logs,
    )
    log("migrating")
    migrate_started = time.monotonic()
    python = str(PROJECT_DIR / ".venv" / "bin" / "python")
    with (logs / "migrate.log").open("wb") as out:
        subprocess.run([python, "manage.py", "migrate", "--noinput"], cwd=PROJECT_DIR, env=env, stdout=out, check=True)
    migrate_seconds = time.monotonic() - migrate_started

    import django

    django.setup()
    from django.db import connections

    from tests.faults import audit

    cleanup.callback(connections.close_all)
    fixture = seed()
    (logs / "fixture.json").write_text(json.dumps(fixture))
    acks_path = logs / "acks.jsonl"
    acks_path.write_text("")

    # Stopped in this order after the topology (registered later, so stopped first).
    live: dict[str, subprocess.Popen[bytes]] = {}
    cleanup.callback(
        lambda: [processes.stop(live.pop(name)) for name in ("locust", "receiver", "redis") if name in live]
    )
    redis_dir = logs / "redis"
    redis_dir.mkdir(exist_ok=True)
    redis_argv = ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""]
    redis_argv += ["--appendonly", "yes", "--dir", str(redis_dir)]

    def start_redis() -> None:
        live["redis"] = processes.start(redis_argv, logs / "redis.log", ready="Ready to accept connections", timeout=30)

    start_redis()
    # The receiver takes a while to answer (250 ms), so the workers are busy, mostly mid-attempt, when one is killed.
    receiver_argv = [sys.executable, "-m", "tests.bench.webhooks", "receiver", str(receiver_port), "250"]
    live["receiver"] = processes.start(receiver_argv, logs / "receiver.log", ready="receiver ready", timeout=30)
    receiver = ReceiverClient(receiver_port)
    make_endpoints(receiver.base_url)

    topology = Topology(env, logs)
    cleanup.callback(topology.stop_all)
    cleanup.callback(lambda: processes.stop(live.pop("locust")) if "locust" in live else None)
    base = f"http://127.0.0.1:{web_port}"
    faults: list[dict[str, Any]] = []

    log(f"starting {', '.join(topology.lines)} from Procfile.local")
    topology.start_all()
    pids_before = {name: proc.pid for name, proc in topology.running.items() if name.startswith("web")}
    status, _, body = http("POST", f"{base}/api/v1/auth/login", body={"username": "clerk0", "password": PASSWORD})
    if status != 200:
        raise SystemExit(f"e2e-faults: the topology does not log in (HTTP {status}); see {logs}")
    token = body["access_token"]

    log(f"load: {args.users} users for {args.seconds} s (locust, headless)")
    errors_path = logs / "errors.jsonl"
    load_env = {
        "FAULTS_FIXTURE": str(logs / "fixture.json"),
        "FAULTS_ACKS": str(acks_path),
        "FAULTS_ERRORS": str(errors_path),
    }
    load = Load(base, args.users, args.seconds, logs, load_env)
    live["locust"] = load.process

    load.until(0.18)
    log("SIGKILL to worker1 (its whole process group)")
    faults.append(kill_worker(load, topology, "worker1"))

    load.until(0.38)
    log("restarting Redis")
    faults.append(restart_redis(load, lambda: processes.stop(live.pop("redis")), start_redis))

    load.until(0.58)
    log(f"stopping PostgreSQL for {args.db_outage:g} s, then starting it again")
    connections.close_all()
    targets = [base, f"http://127.0.0.1:{env['WEB1_PORT']}", f"http://127.0.0.1:{env['WEB2_PORT']}"]
    faults.append(database_outage(load, pg, targets, token, args.db_outage))
    down_epoch, recovered_epoch = faults[-1].pop("down_epoch"), faults[-1].pop("recovered_epoch")

    load_seconds = load.finish()
    log("load done; waiting for the outbox to drain")
    drain_started = time.monotonic()
    drained = drain(timeout=240)
    drain_seconds = time.monotonic() - drain_started
    dead = topology.dead()
    restarted = [name for name, pid in pids_before.items() if topology.running[name].pid != pid]

    log("auditing")
    acks = [json.loads(line) for line in acks_path.read_text().splitlines() if line.strip()]
    errors = [json.loads(line) for line in errors_path.read_text().splitlines() if line.strip()]
    # During the outage: a request that was still running when the database stopped and had started
    # before the API was seen answering again.
    in_outage = [error["at"] + error["ms"] / 1000 >= down_epoch and error["at"] <= recovered_epoch for error in errors]
    faults[-1]["failed_requests_during_outage"] = sum(in_outage)
    outside = Counter(
        f"{error['name']}: {error['error']}" for error, inside in zip(errors, in_outage, strict=True) if not inside
    )
    mail_path = logs / "mail.jsonl"
    mail = [json.loads(line) for line in mail_path.read_text().splitlines()] if mail_path.exists() else []
    return {
        "load": {"users": args.users, "seconds": args.seconds, **locust_figures(logs / "locust")},
        "faults": faults,
        "changes": audit.changes_and_events(acks),
        "webhooks": audit.deliveries(receiver.records(), ENDPOINTS),
        "emails": audit.emails(mail),
        "stock_and_payments": audit.stock_and_payments(dict.fromkeys(fixture["products"], INITIAL_STOCK)),
        "killed_workers": sum(1 for fault in faults if fault["fault"].startswith("SIGKILL")),
        "failures_outside_the_database_outage": dict(outside.most_common()),
        "processes_dead_at_end": dead,
        "web_servers_restarted": restarted,
        "drained": drained,
        "timings_s": {
            "migrate": round(migrate_seconds, 1),
            "load": round(load_seconds, 1),
            "drain": round(drain_seconds, 1),
        },
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make e2e-faults", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=12, help="locust users (default 12)")
    parser.add_argument("--seconds", type=int, default=60, help="length of the load (default 60)")
    parser.add_argument("--db-outage", type=float, default=5.0, help="seconds PostgreSQL stays down (default 5)")
    args = parser.parse_args(argv)
    result = run(args)
    result["checks"] = checks(result)
    result["passed"] = all(result["checks"].values())
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"e2e-faults-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(report.summary(result, str(path.relative_to(PROJECT_DIR))))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
