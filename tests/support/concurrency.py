"""Real concurrency for tests: threads, each with its own database connection, released together."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection

from tests.support.openapi import spec


def run_concurrently(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run the callables at once (a barrier releases them together); returns their results in order."""
    spec()  # build the schema once, before the threads race to it
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        try:
            barrier.wait(timeout=10)
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
