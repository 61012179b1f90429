"""JSON log lines: the request's id, user, route, status and duration; tasks name their request; no secrets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.urls import resolve

from core.logging import JsonFormatter, RedactFilter, RequestIdFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_output(settings) -> Iterator[Callable[[], list[dict]]]:
    """What the production handler writes (JSON formatter, context and redaction filters), parsed."""
    settings.REQUEST_LOG = True
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(previous)


def test_one_json_line_per_request_with_its_context(log_output, citizen, citizen_client):
    response = citizen_client.get("/api/v1/expedientes/424242", HTTP_X_REQUEST_ID="req-from-the-proxy-1")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-from-the-proxy-1"
    [line] = [line for line in log_output() if line["logger"] == "expedientes.request"]
    assert line["request_id"] == "req-from-the-proxy-1"
    assert line["user_id"] == citizen.pk
    assert line["route"] == resolve("/api/v1/expedientes/1").route
    assert line["method"] == "GET"
    assert line["status"] == 404
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO"
    assert "timestamp" in line


def test_an_insane_request_id_is_replaced_and_echoed(log_output):
    response = Client().get("/health/live", HTTP_X_REQUEST_ID="bad\x01id")
    generated = response["X-Request-ID"]
    assert generated != "bad\x01id"
    assert len(generated) == 32
    [line] = [line for line in log_output() if line["logger"] == "expedientes.request"]
    assert line["request_id"] == generated
    assert line["user_id"] is None


def test_secrets_never_reach_the_log(log_output, citizen_client):
    token = citizen_client._credentials["HTTP_AUTHORIZATION"].split()[1]
    logger = logging.getLogger("expedientes.test")
    logger.warning("login with password=hunter2 and Authorization: Bearer %s", token, extra={"api_key": "k-123"})
    logger.info("refresh %s", {"refresh": token})
    try:
        raise ValueError(f"token={token}")
    except ValueError:
        logger.exception("failed")
    Client().post("/api/v1/auth/login", {"username": "x", "password": "hunter2"}, content_type="application/json")

    output = json.dumps(log_output())
    assert "hunter2" not in output
    assert token not in output
    assert "k-123" not in output
    assert "[redacted]" in output


def test_a_task_logs_with_the_id_of_the_request_that_published_it(log_output, citizen_client):
    from celery import shared_task

    @shared_task(name="tests.log_something")
    def log_something() -> None:
        logging.getLogger("expedientes.test").info("inside the task")

    from config.celery import _carry_request_id
    from core.request_context import reset_request_id, set_request_id

    # Publishing during a request: the id rides in the message headers...

    token = set_request_id("req-that-published")
    headers: dict = {}
    _carry_request_id(headers=headers)
    reset_request_id(token)
    assert headers == {"request_id": "req-that-published"}

    # ...and a worker running the message (no request of its own) logs under it.
    result = log_something.apply(task_id="task-1", headers=headers)
    assert result.successful()
    [line] = [line for line in log_output() if line["message"] == "inside the task"]
    assert line["request_id"] == "req-that-published"
    assert line["task_id"] == "task-1"
    assert line["task"] == "tests.log_something"
