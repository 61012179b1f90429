"""Celery application: settings come from Django's, under the CELERY_ namespace."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("expedientes")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _recycle_connections(sender: Any = None, **kwargs: Any) -> None:
    """Between tasks, drop database connections that broke or outlived ``CONN_MAX_AGE``.

    Celery keeps them for ``CELERY_DB_REUSE_MAX`` tasks; this is Django's own between-requests
    rule on top, so a worker survives a database restart. Eager runs are inside a caller's
    transaction and are left alone.
    """
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
