"""A real worker's JSON log lines name the request that caused the task (the request_id header)."""

from __future__ import annotations

import json

import pytest

from events.models import WebhookDelivery
from events.services import create_endpoint
from tests.e2e.events.conftest import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_the_delivery_task_logs_under_the_request_id(receiver, make_worker, client_for, citizen):
    create_endpoint(actor=None, url=f"{receiver.base_url}/all", events=["expediente.*"])
    worker = make_worker(LOG_FORMAT="json")

    response = client_for(citizen).post(
        "/api/v1/expedientes",
        {"numero": "LOG-1", "solicitante": "Ana"},
        format="json",
        HTTP_X_REQUEST_ID="req-caused-the-webhook",
    )
    assert response.status_code == 201, response.content
    wait_for(
        lambda: WebhookDelivery.objects.filter(status="succeeded").count() == 1,
        60,
        f"the delivery succeeds\n{worker.log()}",
    )

    def task_lines() -> list[dict]:
        lines = []
        for raw in worker.log().splitlines():
            if raw.startswith("{"):
                line = json.loads(raw)
                if line.get("request_id") == "req-caused-the-webhook" and line.get("task_id"):
                    lines.append(line)
        return lines

    lines = wait_for(task_lines, 30, f"a task line with the request id\n{worker.log()}")
    assert {line["task"] for line in lines} == {"events.deliver_webhooks"}
