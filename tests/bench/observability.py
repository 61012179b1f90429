"""Cost of the metrics middleware, the query counter and the JSON request log.

``python -m tests.bench.observability`` (prefix ``PROMETHEUS_MULTIPROC_DIR=$(mktemp -d)`` for the
gunicorn mode, where figures go to memory-mapped files):

1. each piece alone around a stub view (best of 7 runs of 100,000 calls): what it adds per request
   or per query, free of the noise of a whole request;
2. 2,000 whole in-process requests (``GET /health/live`` through Django's handler) with the stack as
   configured, without ``core.metrics.MetricsMiddleware``, and with the JSON request log on (to
   /dev/null); rounds interleave the three so a busy moment of the machine hits all of them.
"""

from __future__ import annotations

import logging
import os
import time
import timeit

N = 2000
ROUNDS = 7
CALLS = 100_000


def _per_call(fn, calls: int = CALLS) -> float:
    return min(timeit.repeat(fn, number=calls, repeat=7)) / calls * 1e6


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.http import HttpResponse
    from django.test import Client, RequestFactory
    from django.test.utils import override_settings
    from django.urls import resolve

    from core.logging import JsonFormatter, RedactFilter, RequestIdFilter
    from core.metrics import MULTIPROCESS, MetricsMiddleware, _count_query
    from core.middleware import RequestIdMiddleware

    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - lives for the run
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactFilter())
    request_logger = logging.getLogger("expedientes.request")
    request_logger.addHandler(handler)
    request_logger.setLevel(logging.INFO)
    request_logger.propagate = False

    # 1. Each piece alone.
    request = RequestFactory().get("/api/v1/expedientes")
    request.resolver_match = resolve("/api/v1/expedientes")
    response = HttpResponse()
    stub = lambda r: response  # noqa: E731 - the view under the middleware
    metrics = MetricsMiddleware(stub)
    with override_settings(REQUEST_LOG=False):
        ids_only = RequestIdMiddleware(stub)
    with override_settings(REQUEST_LOG=True):
        ids_and_log = RequestIdMiddleware(stub)
    execute = lambda sql, params, many, context: None  # noqa: E731
    floor = _per_call(lambda: stub(request))
    print(f"mode: {'multiprocess (files)' if MULTIPROCESS else 'single process (memory)'}")
    print(f"  metrics middleware      : {_per_call(lambda: metrics(request)) - floor:6.2f} us per request")
    print(
        f"  query counter           : {_per_call(lambda: _count_query(execute, '', None, False, None)):6.2f} us per query"
    )
    print(
        f"  request id              : {_per_call(lambda: ids_only(request), CALLS // 10) - floor:6.2f} us per request"
    )
    log_cost = _per_call(lambda: ids_and_log(request), CALLS // 10) - _per_call(lambda: ids_only(request), CALLS // 10)
    print(f"  + JSON request log line : {log_cost:6.2f} us per request")

    # 2. Whole requests.
    full = list(settings.MIDDLEWARE)
    bare = [name for name in full if name != "core.metrics.MetricsMiddleware"]
    configs = {"bare": (bare, False), "metrics": (full, False), "log": (full, True)}
    best = dict.fromkeys(configs, float("inf"))
    for _ in range(ROUNDS):
        for name, (middleware, log) in configs.items():
            with override_settings(MIDDLEWARE=middleware, REQUEST_LOG=log):
                client = Client()
                for _ in range(100):
                    client.get("/health/live")
                started = time.perf_counter()
                for _ in range(N):
                    client.get("/health/live")
                best[name] = min(best[name], (time.perf_counter() - started) / N * 1e6)
    print(f"{N} whole requests x best of {ROUNDS}, GET /health/live in-process")
    print(f"  without metrics middleware : {best['bare']:8.1f} us/request")
    print(f"  with metrics middleware    : {best['metrics']:8.1f} us/request")
    print(f"  with metrics + JSON log    : {best['log']:8.1f} us/request")


if __name__ == "__main__":
    main()
