"""Live servers and workers for the end-to-end tests: the test database as a URL for another
process, the worker's command line, polling with a deadline, this process's Celery app pointed at a broker, the admin login."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from kombu import pools as kombu_pools

from config.celery import app as celery_app

BROKER_URL = os.environ.get("E2E_CELERY_BROKER_URL", "redis://127.0.0.1:6379/7")
DEAD_BROKER_URL = "redis://127.0.0.1:1/7"


def admin_login(page: Any, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("input[type=submit]")


def database_url() -> str:
    """The live test database as a ``DATABASE_URL`` for a server or worker process."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    # The embedded server listens on a Unix socket: its directory goes percent-encoded in the host.
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def celery_worker_argv(name: str, *options: str) -> list[str]:
    """The command that runs this project's Celery worker in another process, as ``name@<host>``."""
    return [sys.executable, "-m", "celery", "-A", "config", "worker", *options, "-n", f"{name}@%h"]


def wait_for(condition: Callable[[], Any], timeout: float, message: str, interval: float = 0.1) -> Any:
    """Poll ``condition`` until it is truthy; fail with ``message`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s: {message}")
        time.sleep(interval)


def _reset_broker_pools() -> None:
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._after_fork()
    # Celery's producer pool comes from kombu's process-wide registry, keyed by broker URL: without
    # this, the next publish to the same URL could get the pool closed just above.
    kombu_pools.reset()


@contextmanager
def broker(url: str, queue: str | None = None) -> Iterator[None]:
    """Point this (test) process's Celery app at ``url`` and stop running tasks eagerly."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager, conf.broker_transport_options, conf.task_default_queue)
    conf.broker_url = url
    conf.task_always_eager = False
    conf.broker_transport_options = {"visibility_timeout": 15, "max_retries": 1}
    conf.task_default_queue = queue or conf.task_default_queue
    _reset_broker_pools()
    try:
        yield
    finally:
        (conf.broker_url, conf.task_always_eager, conf.broker_transport_options, conf.task_default_queue) = saved
        _reset_broker_pools()
