"""Celery application: settings come from Django's, under the CELERY_ namespace."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

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


@task_prerun.connect
def _task_started(task_id: str | None = None, **kwargs: Any) -> None:
    from core.metrics import task_started

    if task_id:
        task_started(task_id)


OUTCOMES = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried", "REJECTED": "rejected"}


@task_postrun.connect
def _task_finished(task_id: str | None = None, task: Any = None, state: str | None = None, **kwargs: Any) -> None:
    """Runtime and outcome of every task (``expedientes_celery_task_*`` in ``/metrics``)."""
    from core.metrics import task_finished

    if task_id and task is not None:
        task_finished(task_id, task.name, OUTCOMES.get(state or "", (state or "unknown").lower()))
