"""Celery application: settings come from Django's, under the CELERY_ namespace."""

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import (
    before_task_publish,
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
logger = logging.getLogger(__name__)

# A worker's own Prometheus endpoint (its pool processes add up through PROMETHEUS_MULTIPROC_DIR,
# which must be set before anything imports prometheus_client: here, before Django is set up).
WORKER_METRICS_PORT = int(os.environ.get("CELERY_METRICS_PORT") or 0)
_MADE_METRICS_DIR = bool(WORKER_METRICS_PORT) and not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _MADE_METRICS_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="expedientes-worker-metrics-")

app = Celery("expedientes")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_postrun.connect
def _recycle_connections(sender: Any = None, **kwargs: Any) -> None:
    """After a task, drop database connections that broke or outlived ``CONN_MAX_AGE``.

    Celery keeps them for ``CELERY_DB_REUSE_MAX`` tasks; this is Django's own between-requests
    rule on top, so a worker gets over a database restart after one failed task. The health check
    (a ``SELECT 1`` before the next task's first query) is not re-armed: it would cost a round
    trip per task. Eager runs are inside a caller's request or transaction and are left alone.
    """
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        checked = getattr(conn, "health_check_done", False)
        conn.close_if_unusable_or_obsolete()
        if conn.connection is not None:
            conn.health_check_done = checked  # type: ignore[attr-defined]


@before_task_publish.connect
def _carry_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """A task published during a request carries that request's id (``request_id`` header)."""
    from core.request_context import get_request_id

    request_id = get_request_id()
    if request_id and headers is not None and "request_id" not in headers:
        headers["request_id"] = request_id


_contexts: dict[str, tuple[Any, Any]] = {}


@task_prerun.connect
def _task_started(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """Metrics clock, and the log context: the task, and the id of the request that caused it."""
    from core.metrics import task_started
    from core.request_context import set_request_id, set_task

    if not task_id or task is None:
        return
    task_started(task_id)
    # A worker finds the message's headers on the task's request; an eager apply keeps them apart.
    request_id = getattr(task.request, "request_id", None) or (getattr(task.request, "headers", None) or {}).get(
        "request_id"
    )
    # An eager task runs inside its request, whose id is already set.
    request_token = set_request_id(str(request_id)) if request_id else None
    _contexts[task_id] = (request_token, set_task((task_id, task.name)))


OUTCOMES = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried", "REJECTED": "rejected"}


@task_postrun.connect
def _task_finished(task_id: str | None = None, task: Any = None, state: str | None = None, **kwargs: Any) -> None:
    """Runtime and outcome of every task (``expedientes_celery_task_*`` in ``/metrics``)."""
    from core.metrics import task_finished
    from core.request_context import reset_request_id, reset_task

    if task_id and task is not None:
        task_finished(task_id, task.name, OUTCOMES.get(state or "", (state or "unknown").lower()))
    tokens = _contexts.pop(task_id or "", None)
    if tokens is not None:
        request_token, task_token = tokens
        try:
            reset_task(task_token)
            if request_token is not None:
                reset_request_id(request_token)
        except ValueError:  # set in another context (a thread pool): nothing of ours to undo there
            pass


@worker_init.connect
def _clear_worker_metrics(**kwargs: Any) -> None:
    if WORKER_METRICS_PORT:
        for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
            stale.unlink()


@worker_ready.connect
def _serve_worker_metrics(**kwargs: Any) -> None:
    """``CELERY_METRICS_PORT``: the worker's figures (all pool processes) on ``CELERY_METRICS_ADDR``."""
    if not WORKER_METRICS_PORT:
        return
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    address = os.environ.get("CELERY_METRICS_ADDR") or "127.0.0.1"
    start_http_server(WORKER_METRICS_PORT, addr=address, registry=registry)
    logger.info("worker metrics on http://%s:%s/metrics", address, WORKER_METRICS_PORT)


@worker_process_shutdown.connect
def _pool_process_exits(pid: int | None = None, **kwargs: Any) -> None:
    if WORKER_METRICS_PORT:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


@worker_shutdown.connect
def _remove_worker_metrics(**kwargs: Any) -> None:
    if _MADE_METRICS_DIR:  # ours: nobody else reads it once this worker is gone
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
