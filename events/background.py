"""Without a broker: the outbox rows a commit queued are sent by a thread of this process.

With no ``CELERY_BROKER_URL`` there is no worker to hand rows to. Sending them in the thread that
committed (Celery's eager mode) would make a request wait for every receiver: one slow webhook
receiver would hold ``POST /expedientes`` for seconds. So ``events.outbox.enqueue`` hands the row
ids to this module and returns at once; a daemon thread of the same process (started at the first
hand-over, or by ``config.serve`` when ``make run`` starts) sends them right after the commit,
exactly as a worker does: the same batched ``FOR UPDATE SKIP LOCKED`` claim (which also takes other
due deliveries), the same leases, the same retry rules. A retry due within
``OUTBOX_MAX_COUNTDOWN_SECONDS`` wakes the thread at its time, as a Celery countdown would; every
``OUTBOX_SWEEP_SECONDS`` the thread also sweeps the outbox for whatever else is due (longer
retries, rows left by a process that exited before sending them).

The database row stays the source of truth: a process that exits with ids still queued (or dies
during an attempt) leaves pending rows, which the next sweep of any process sends. At a normal exit
the thread is given ``OUTBOX_DRAIN_SECONDS`` to finish what is due. While it sends, its log lines
carry the id of the request(s) whose commit queued the rows, as a worker's task does.
"""

from __future__ import annotations

import atexit
import heapq
import itertools
import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections, connections

from core.request_context import get_request_id, reset_request_id, set_request_id
from events import delivery, health, outbox
from events import emails as emails_outbox

logger = logging.getLogger(__name__)


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    deliveries: tuple[int, ...] = field(compare=False)
    emails: tuple[int, ...] = field(compare=False)
    request_id: str | None = field(compare=False, default=None)


_Work = tuple[tuple[int, ...], tuple[int, ...], str | None]
_SWEEP: _Work = ((), (), None)  # what ``_take`` returns when the periodic sweep is due


class Dispatcher:
    """One sending thread and its queue of (due time, row ids); see the module's docstring."""

    def __init__(self, sweep_seconds: float) -> None:
        self.sweep_seconds = sweep_seconds
        self.pid = os.getpid()
        self._cond = threading.Condition()
        self._jobs: list[_Job] = []
        self._seq = itertools.count()
        self._busy = False
        self._closing = False
        # The first sweep comes at once: rows a previous run left pending are not kept waiting.
        self._next_sweep = time.monotonic() if sweep_seconds > 0 else float("inf")
        self._thread = threading.Thread(target=self._run, name="outbox-background", daemon=True)
        self._thread.start()

    # --- the callers' side ---------------------------------------------------------------------

    def submit(
        self,
        deliveries: Iterable[int] = (),
        emails: Iterable[int] = (),
        delay: float = 0.0,
        request_id: str | None = None,
    ) -> None:
        job = _Job(time.monotonic() + max(delay, 0.0), next(self._seq), tuple(deliveries), tuple(emails), request_id)
        with self._cond:
            heapq.heappush(self._jobs, job)
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing due is queued and nothing is being sent (``False`` at the deadline)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._busy or (self._jobs and self._jobs[0].due <= time.monotonic()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def stop(self, timeout: float) -> bool:
        """Send what is due now, then end the thread; ``False`` if it was still busy at the deadline."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def alive(self) -> bool:
        return self._thread.is_alive()

    # --- the thread ----------------------------------------------------------------------------

    def _take(self) -> _Work | None:
        """The ids of every job due now (merged, with their requests' ids), ``_SWEEP`` when a sweep
        is due, ``None`` to stop."""
        with self._cond:
            self._busy = False
            self._cond.notify_all()
            while True:
                now = time.monotonic()
                if self._jobs and self._jobs[0].due <= now:
                    deliveries: list[int] = []
                    emails: list[int] = []
                    request_ids: list[str] = []
                    while self._jobs and self._jobs[0].due <= now:
                        job = heapq.heappop(self._jobs)
                        deliveries += job.deliveries
                        emails += job.emails
                        if job.request_id:
                            request_ids.append(job.request_id)
                    self._busy = True
                    joined = ",".join(dict.fromkeys(request_ids)) or None
                    return tuple(dict.fromkeys(deliveries)), tuple(dict.fromkeys(emails)), joined
                if self._closing:
                    return None
                if now >= self._next_sweep:
                    self._next_sweep = now + self.sweep_seconds
                    self._busy = True
                    return _SWEEP
                wake = min(self._jobs[0].due if self._jobs else float("inf"), self._next_sweep)
                self._cond.wait(None if wake == float("inf") else wake - now)

    def _run(self) -> None:
        try:
            while (work := self._take()) is not None:
                token = set_request_id(work[2])
                try:
                    # As between two requests: drop a connection that broke or grew old, and
                    # re-arm the health check for the first query.
                    close_old_connections()
                    if work is _SWEEP:
                        sweep()
                    else:
                        send(deliveries=list(work[0]), emails=list(work[1]))
                except Exception:  # the rows stay pending in the database; a later sweep sends them
                    logger.exception("outbox: sending in the background failed; a later sweep will retry")
                finally:
                    reset_request_id(token)
        finally:
            connections.close_all()  # this thread's connections


def send(*, deliveries: list[int], emails: list[int]) -> None:
    """Attempt these rows in this thread as a worker would (deliveries also take others that are due)."""
    size = max(int(settings.WEBHOOK_BATCH_SIZE), 1)
    for start in range(0, len(deliveries), size):
        chunk = deliveries[start : start + size]
        delivery.deliver_many(chunk, batch=max(size, len(chunk)))
    for pk in emails:
        emails_outbox.send(message_id=pk)


def sweep() -> None:
    """``manage.py process_outbox`` in this thread: disable stale endpoints, send everything due."""
    health.disable_stale_endpoints()
    outbox.sweep()


_lock = threading.Lock()
_dispatcher: Dispatcher | None = None


def dispatcher() -> Dispatcher:
    """This process's dispatcher, started on first use (a forked child starts its own)."""
    global _dispatcher
    with _lock:
        if _dispatcher is None or _dispatcher.pid != os.getpid() or not _dispatcher.alive():
            _dispatcher = Dispatcher(float(settings.OUTBOX_SWEEP_SECONDS))
            atexit.register(_drain_at_exit, _dispatcher)
        return _dispatcher


def submit(*, deliveries: Iterable[int] = (), emails: Iterable[int] = (), delay: float = 0.0) -> None:
    """Queue rows for the sending thread, with the current request's id for its log lines."""
    dispatcher().submit(deliveries, emails, delay, get_request_id())


def shutdown(timeout: float) -> bool:
    """Stop this process's dispatcher (if any) after it sent what is due; the next use starts another."""
    global _dispatcher
    with _lock:
        current, _dispatcher = _dispatcher, None
    if current is None or current.pid != os.getpid():
        return True
    return current.stop(timeout)


def _drain_at_exit(instance: Dispatcher) -> None:
    if instance.pid == os.getpid() and instance.alive():
        instance.stop(float(settings.OUTBOX_DRAIN_SECONDS))
