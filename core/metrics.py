"""Prometheus metrics: requests, database queries, Celery tasks, and figures read at scrape time.

With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn sets one up, see ``config/gunicorn.py``) every
process writes its figures to files there and a scrape adds up all of them, so the workers of one
server answer as one. Without it (tests, a single process) the figures live in this process.

The hot path stays cheap: a request costs one ``perf_counter`` pair, one dict lookup for its
(method, route, status) children and two increments; a query costs one counter bump in a
thread-local, turned into one increment per request.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.registry import Collector

from core.exceptions import PROBLEM_CONTENT_TYPE, problem_body

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
UNMATCHED = "<unmatched>"
disable_created_metrics()  # the *_created series double the output for nothing a scraper uses
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "expedientes_http_requests_total",
    "HTTP requests by method, route pattern and status",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "expedientes_http_request_duration_seconds",
    "Time from the first middleware to the response, by method, route pattern and status",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
DB_QUERIES = Counter(
    "expedientes_db_queries_total",
    "Database queries, by the route of the request (or 'celery:<task>') that made them",
    ["route"],
)
TASKS = Counter("expedientes_celery_tasks_total", "Celery tasks run, by task and outcome", ["task", "outcome"])
TASK_SECONDS = Histogram(
    "expedientes_celery_task_duration_seconds",
    "Celery task runtime by task",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
)


# --- database queries: one thread-local counter, read around each request and task ----------
class _QueryCount(threading.local):
    n = 0


query_count = _QueryCount()


def _count_query(execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: Any) -> Any:
    query_count.n += 1
    return execute(sql, params, many, context)


@receiver(connection_created)
def _install_query_counter(sender: Any, connection: Any, **kwargs: Any) -> None:
    if _count_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count_query)


# --- requests ----------------------------------------------------------------------------------
_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
_db_children: dict[str, Any] = {}


def route_of(request: HttpRequest) -> str:
    """The URL pattern that served the request (``api/v1/expedientes/<int:pk>``), never the raw path."""
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else UNMATCHED


def observe_request(method: str, route: str, status: int, seconds: float, queries: int) -> None:
    key = (method, route, status)
    children = _children.get(key)
    if children is None:
        labels = (method, route, str(status))
        children = _children[key] = (REQUESTS.labels(*labels), REQUEST_SECONDS.labels(*labels))
    children[0].inc()
    children[1].observe(seconds)
    if queries:
        observe_queries(route, queries)


def observe_queries(route: str, queries: int) -> None:
    child = _db_children.get(route)
    if child is None:
        child = _db_children[route] = DB_QUERIES.labels(route)
    child.inc(queries)


class MetricsMiddleware:
    """Counts and times every request by its route pattern and status (outermost middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        queries_before = query_count.n
        response = self.get_response(request)
        observe_request(
            request.method or "",
            route_of(request),
            response.status_code,
            time.perf_counter() - started,
            query_count.n - queries_before,
        )
        return response


# --- Celery tasks --------------------------------------------------------------------------------
_task_started: dict[str, tuple[float, int]] = {}


def task_started(task_id: str) -> None:
    _task_started[task_id] = (time.perf_counter(), query_count.n)


def task_finished(task_id: str, task_name: str, outcome: str) -> None:
    started = _task_started.pop(task_id, None)
    TASKS.labels(task_name, outcome).inc()
    if started is not None:
        TASK_SECONDS.labels(task_name).observe(time.perf_counter() - started[0])
        queries = query_count.n - started[1]
        if queries:
            observe_queries(f"celery:{task_name}", queries)


# --- figures computed at scrape time -------------------------------------------------------------
_scrape_registry = CollectorRegistry(auto_describe=False)


def register_scrape_collector(collector: Collector) -> None:
    """Add a collector whose ``collect()`` runs on every scrape (cheap, indexed queries only)."""
    _scrape_registry.register(collector)


def exposition() -> bytes:
    """Everything in Prometheus' text format: every process's figures, then the scrape-time ones."""
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_scrape_registry)


def _problem(status: int, code: str, detail: str, **headers: str) -> HttpResponse:
    import orjson

    response = HttpResponse(
        orjson.dumps(problem_body(status, code, detail)), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for name, value in headers.items():
        response[name] = value
    return response


def authorized(request: HttpRequest, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def metrics_view(request: HttpRequest) -> HttpResponse:
    """``GET /metrics`` with ``Authorization: Bearer $METRICS_TOKEN``; 404 while no token is configured."""
    token = settings.METRICS_TOKEN
    if not token:
        return _problem(404, "not_found", "Not found")
    if not authorized(request, token):
        return _problem(
            401, "not_authenticated", "A valid metrics token is required.", **{"WWW-Authenticate": "Bearer"}
        )
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
