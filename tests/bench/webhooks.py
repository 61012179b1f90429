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
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote
from urllib.request import urlopen

from tests.bench import processes

PROJECT_DIR = processes.PROJECT_DIR
RESULTS_DIR = PROJECT_DIR / "bench" / "results"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


# --- the receiver (runs in its own process: `python -m tests.bench.webhooks receiver PORT [DELAY_MS]`) -


def run_receiver(port: int, delay_ms: float = 0) -> None:
    """HTTP/1.1 with keep-alive; ``POST /<anything>`` records (path, webhook-id, arrival) and answers
    (after ``delay_ms``, a receiver's own work); ``GET /_stats`` returns the records, ``GET /_wait/N``
    returns them once there are N (the caller's own timeout bounds the wait) and ``POST /_reset``
    forgets them. Prints ``receiver ready`` once listening."""
    records: list[tuple[str, str, float]] = []
    arrivals = asyncio.Condition()

    def reply(writer: asyncio.StreamWriter, body: bytes, content_type: bytes = b"text/plain") -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: "
            + content_type
            + b"\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                arrived = time.time()
                lines = head.split(b"\r\n")
                _method, path = lines[0].split(b" ")[:2]
                headers = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(b":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get(b"content-length", b"0"))
                if length:
                    await reader.readexactly(length)
                if path == b"/_stats":
                    reply(writer, json.dumps(records).encode(), b"application/json")
                elif path.startswith(b"/_wait/"):
                    wanted = int(path.rsplit(b"/", 1)[1])
                    async with arrivals:
                        await arrivals.wait_for(lambda wanted=wanted: len(records) >= wanted)
                    reply(writer, json.dumps(records).encode(), b"application/json")
                elif path == b"/_reset":
                    records.clear()
                    reply(writer, b"ok")
                else:
                    records.append((path.decode(), headers.get(b"webhook-id", b"").decode(), arrived))
                    if delay_ms:
                        await asyncio.sleep(delay_ms / 1000)
                    reply(writer, b"ok")
                    async with arrivals:
                        arrivals.notify_all()
                await writer.drain()
                if headers.get(b"connection", b"").lower() == b"close":
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
        print("receiver ready", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


class ReceiverClient:
    def __init__(self, port: int) -> None:
        self.base_url = f"http://127.0.0.1:{port}"

    def _call(self, path: str, data: bytes | None = None, timeout: float = 30) -> bytes:
        with urlopen(f"{self.base_url}{path}", data=data, timeout=timeout) as response:  # noqa: S310 - loopback
            return bytes(response.read())

    def reset(self) -> None:
        self._call("/_reset", data=b"")

    def records(self) -> list[tuple[str, str, float]]:
        return [tuple(row) for row in json.loads(self._call("/_stats"))]  # type: ignore[misc]

    def wait_for_records(self, count: int, timeout: float) -> list[tuple[str, str, float]]:
        """The records once ``count`` have arrived (the receiver answers when they have)."""
        try:
            body = self._call(f"/_wait/{count}", timeout=timeout)
        except TimeoutError:
            raise SystemExit(f"bench-webhooks: fewer than {count} deliveries within {timeout} s") from None
        return [tuple(row) for row in json.loads(body)]  # type: ignore[misc]


# --- processes ----------------------------------------------------------------------------------------


def worker_argv() -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=WARNING",
        "-n",
        f"bench-webhooks-{os.getpid()}@%h",
    ]


# --- the scenarios ------------------------------------------------------------------------------------

EVENT_DATA = {
    "status": "pending",
    "total": "1234.50",
    "currency": "EUR",
    "user": 7,
    "items": [{"product": p, "quantity": 2, "unit_price": "123.45", "name": "Producto señalado"} for p in range(4)],
    "created_at": "2026-03-02T09:00:00Z",
}


def empty_tables() -> None:
    """Called with no worker running (the phases stop it first), so nothing can hold a lock the
    TRUNCATE needs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE events_webhookattempt, events_webhookdelivery, events_webhookendpoint, "
            "events_emailmessage, events_event, events_auditevent CASCADE"
        )


def make_endpoints(receiver: ReceiverClient, count: int) -> None:
    from events.services import create_endpoint

    for index in range(count):
        create_endpoint(actor=None, url=f"{receiver.base_url}/hook{index}", events=["order.*"])


def publish(n: int) -> tuple[int, float]:
    """One committed change with its domain event; returns (event id, time COMMIT returned)."""
    from django.db import transaction

    from events.services import record

    with transaction.atomic():
        result = record(
            actor=None,
            entity_type="order",
            entity_id=n,
            action="create",
            changes={"status": [None, "pending"]},
            event_type="order.created",
            data={"id": n, **EVENT_DATA},
        )
    assert result.event is not None
    return result.event.pk, time.time()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its descendants (Linux /proc), in seconds."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def backlog(
    receiver: ReceiverClient, start_worker: Callable[[bool], subprocess.Popen[bytes]], events: int, endpoints: int
) -> dict[str, Any]:
    """No worker runs at the start; the one started after the backlog is queued keeps running."""
    empty_tables()
    receiver.reset()
    make_endpoints(receiver, endpoints)
    started = time.monotonic()
    for n in range(events):
        publish(n)
    queued_in = time.monotonic() - started
    expected = events * endpoints
    worker = start_worker(True)
    # The worker's CPU time from its first delivery to the last: less at the mercy of other load.
    first = receiver.wait_for_records(1, 120)
    cpu_before = cpu_seconds(worker.pid)
    records = receiver.wait_for_records(expected, 600)
    cpu = cpu_seconds(worker.pid) - cpu_before
    arrivals = sorted(at for _, _, at in records)
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else float("nan")
    return {
        "events": events,
        "endpoints": endpoints,
        "deliveries": expected,
        "received": len(arrivals),
        "queued_seconds": round(queued_in, 3),
        "seconds": round(span, 3),
        "deliveries_per_second": round((len(arrivals) - 1) / span, 1),
        "worker_cpu_ms_per_delivery": round(cpu * 1000 / max(len(arrivals) - len(first), 1), 2),
    }


def steady(
    receiver: ReceiverClient,
    restart_worker: Callable[[], None],
    rate: float,
    seconds: float,
    endpoints: int,
    publishers: int,
) -> dict[str, Any]:
    """Commit ``rate`` events/s, from ``publishers`` threads (each its own connection), on a fixed
    timetable: a late commit does not shift the ones after it. The worker is restarted around the
    tables' reset, and a first event delivered to every endpoint shows it consuming before the clock starts."""
    import threading

    from django.db import connection

    restart_worker()  # stopped while the tables are emptied, then started again
    receiver.reset()
    make_endpoints(receiver, endpoints)
    publish(-1)
    receiver.wait_for_records(endpoints, 120)
    receiver.reset()
    committed: dict[str, float] = {}
    failed = threading.Event()
    interval = 1.0 / rate
    count = int(rate * seconds)
    started = time.monotonic() + 0.2

    def publisher(offset: int) -> None:
        try:
            for n in range(offset, count, publishers):
                # The timetable's next slot; a failed publisher ends the others' waits at once.
                if failed.wait(max(started + n * interval - time.monotonic(), 0)):
                    return
                event_id, at = publish(n)
                committed[str(event_id)] = at
        except BaseException:
            failed.set()
            raise
        finally:
            connection.close()

    threads = [threading.Thread(target=publisher, args=(offset,)) for offset in range(publishers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed.is_set():
        raise SystemExit("bench-webhooks: a publisher failed (see the traceback above)")
    offered_for = time.monotonic() - started
    expected = count * endpoints
    records = receiver.wait_for_records(expected, 600)
    latencies = [(at - committed[webhook_id]) * 1000 for _, webhook_id, at in records if webhook_id in committed]
    arrivals = sorted(at for _, _, at in records)
    first_commit = min(committed.values())
    return {
        "rate_events_per_second": rate,
        "publishers": publishers,
        "endpoints": endpoints,
        "offered_deliveries_per_second": round(count * endpoints / offered_for, 1),
        "deliveries": expected,
        "received": len(records),
        "delivered_per_second": round(len(records) / (arrivals[-1] - first_commit), 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50), 1),
            "p90": round(percentile(latencies, 0.90), 1),
            "p99": round(percentile(latencies, 0.99), 1),
            "max": round(max(latencies), 1),
        },
    }


def database_url(settings_dict: dict[str, Any]) -> str:
    auth = settings_dict["USER"] + (f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else "")
    host = quote(settings_dict["HOST"] or "127.0.0.1", safe="")
    return f"postgres://{auth}@{host}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"


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

    name = settings.DATABASES["default"]["NAME"] + "_webhooks_bench"
    settings.DATABASES["default"]["TEST"].update(NAME=name)
    connection.settings_dict["TEST"].update(NAME=name)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)

    logs = RESULTS_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    worker_env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
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
