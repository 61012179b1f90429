"""GET /metrics: protected by a bearer token, and its figures move with the traffic."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import resolve

from tests.support.metrics import sample, scrape

pytestmark = pytest.mark.django_db

LIST_ROUTE = resolve("/api/v1/expedientes").route
DETAIL_ROUTE = resolve("/api/v1/expedientes/1").route


def test_without_a_configured_token_the_endpoint_does_not_exist(settings):
    settings.METRICS_TOKEN = ""
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer anything")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic dGVzdDp0ZXN0", "Bearer"])
def test_without_the_token_it_is_401(metrics_token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = Client().get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response["Content-Type"] == "application/problem+json"
    assert b"expedientes_" not in response.content


def test_requests_are_counted_by_route_pattern_and_status(metrics_token, citizen_client):
    labels = {"method": "GET", "route": LIST_ROUTE, "status": "200"}
    before = scrape("expedientes_http_request", "expedientes_db_queries_total")

    assert citizen_client.get("/api/v1/expedientes").status_code == 200
    assert citizen_client.get("/api/v1/expedientes/999999").status_code == 404
    after = scrape()

    assert sample(after, "expedientes_http_requests_total", **labels) == (
        sample(before, "expedientes_http_requests_total", **labels) + 1
    )
    assert sample(after, "expedientes_http_request_duration_seconds_count", **labels) == (
        sample(before, "expedientes_http_request_duration_seconds_count", **labels) + 1
    )
    # The detail's 404 is labelled with its pattern, never with the id from the path.
    detail = {"method": "GET", "route": DETAIL_ROUTE, "status": "404"}
    assert sample(after, "expedientes_http_requests_total", **detail) == (
        sample(before, "expedientes_http_requests_total", **detail) + 1
    )
    assert not any("999999" in dict(key[1]).get("route", "") for key in after)
    # The list ran queries, counted under its route.
    assert sample(after, "expedientes_db_queries_total", route=LIST_ROUTE) > sample(
        before, "expedientes_db_queries_total", route=LIST_ROUTE
    )


def test_an_unknown_path_is_one_unmatched_series(metrics_token):
    before = scrape("expedientes_http_requests_total")
    for path in ("/nope/1", "/nope/2"):
        assert Client().get(path).status_code == 404
    after = scrape("expedientes_http_requests_total")
    labels = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert sample(after, "expedientes_http_requests_total", **labels) == (
        sample(before, "expedientes_http_requests_total", **labels) + 2
    )


def test_celery_task_runtime_and_outcome_are_recorded(metrics_token):
    from core.tasks import purge_idempotency_keys

    before = scrape("expedientes_celery_task")
    purge_idempotency_keys.apply()
    after = scrape("expedientes_celery_task")

    task = purge_idempotency_keys.name
    assert sample(after, "expedientes_celery_tasks_total", task=task, outcome="succeeded") == (
        sample(before, "expedientes_celery_tasks_total", task=task, outcome="succeeded") + 1
    )
    assert sample(after, "expedientes_celery_task_duration_seconds_count", task=task) == (
        sample(before, "expedientes_celery_task_duration_seconds_count", task=task) + 1
    )


def test_a_failing_task_is_counted_as_failed(metrics_token, monkeypatch):
    from core import tasks

    task = tasks.purge_idempotency_keys
    before = scrape("expedientes_celery_tasks_total")
    monkeypatch.setattr(task, "run", lambda *args, **kwargs: 1 / 0)
    result = task.apply()
    assert result.failed()
    after = scrape("expedientes_celery_tasks_total")
    assert sample(after, "expedientes_celery_tasks_total", task=task.name, outcome="failed") == (
        sample(before, "expedientes_celery_tasks_total", task=task.name, outcome="failed") + 1
    )
