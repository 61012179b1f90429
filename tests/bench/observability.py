"""Cost of the metrics middleware and the JSON request log: 2,000 in-process requests each way.

``python -m tests.bench.observability``: GET /health/live through Django's full handler with the
middleware stack as configured, then without ``core.metrics.MetricsMiddleware``, then with the
JSON request log on (written to /dev/null). Prints microseconds per request and the differences.
"""

from __future__ import annotations

import logging
import os
import time

N = 2000
ROUNDS = 7


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from core.logging import JsonFormatter, RedactFilter, RequestIdFilter

    full = list(settings.MIDDLEWARE)
    bare = [name for name in full if name != "core.metrics.MetricsMiddleware"]
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - lives for the run
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactFilter())
    request_logger = logging.getLogger("expedientes.request")
    request_logger.addHandler(handler)
    request_logger.setLevel(logging.INFO)
    request_logger.propagate = False
    configs = {"bare": (bare, False), "metrics": (full, False), "log": (full, True)}
    best = dict.fromkeys(configs, float("inf"))
    # Rounds interleave the configurations, so a busy moment of the machine hits all of them.
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
    without, with_metrics, with_log = best["bare"], best["metrics"], best["log"]
    print(f"{N} requests x best of {ROUNDS}, GET /health/live in-process")
    print(f"  without metrics middleware : {without:8.1f} us/request")
    print(f"  with metrics middleware    : {with_metrics:8.1f} us/request  (+{with_metrics - without:.1f} us)")
    print(f"  with metrics + JSON log    : {with_log:8.1f} us/request  (+{with_log - with_metrics:.1f} us for the log)")


if __name__ == "__main__":
    main()
