"""The scenarios of `make bench-webhooks` (tests/bench/webhooks.py): a backlog drained by one worker, and a
steady rate of committed events with each webhook's commit-to-delivery latency."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.bench.receiver import ReceiverClient


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


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
