"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi`."""

import os
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Measured on 2 cores against 16 keep-alive clients (make bench-http, the peer benchmark): sync
# workers, one per core plus one to cover database waits, serve ~2x the requests of 2 workers x 4
# threads with a third of the p99. Threads share one GIL, and gthread keeps each keep-alive
# connection on the worker that accepted it, so load lands unevenly. Raise GUNICORN_THREADS where
# slow upstream calls (the payment provider) rather than CPU bound a worker.
workers = int(os.environ.get("GUNICORN_WORKERS", str((os.cpu_count() or 1) + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Payment calls retry with capped backoff; a request must never be cut before they finish.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "75"))
graceful_timeout = 30
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "2"))
# GUNICORN_ACCESSLOG="" turns the access log off (`make serve-prod` does unless ACCESS_LOG is given).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
limit_request_line = 8190  # long cursors and filters must reach Django, not a bare gunicorn 414

# Prometheus multiprocess mode: every worker writes its figures under PROMETHEUS_MULTIPROC_DIR and
# GET /metrics adds them up. Set here in the master, before any worker imports prometheus_client;
# one directory per server (a fresh temporary one unless given), emptied when the server starts.
_made_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _made_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="expedientes-metrics-")


def on_starting(server: object) -> None:
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def on_exit(server: object) -> None:
    if _made_metrics_dir:  # ours: nobody else reads it once this server is gone
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def child_exit(server: object, worker: object) -> None:
    """A worker that exits keeps its counters; its live gauges are dropped."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def post_worker_init(worker: object) -> None:
    """The worker has loaded the application: its views too (imported now, not at the first request),
    then everything it holds is moved out of the cycle collector's reach (``gc.freeze``).

    Those objects live as long as the worker, yet every full collection walked all of them: measured
    here, ~130,000 objects and 120-150 ms per full collection, a pause that landed on whichever request
    triggered it. Frozen, a full collection walks only what requests left behind.
    """
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    gc.freeze()
