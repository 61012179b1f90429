"""A real worker: its JSON log lines name the request that caused the task (the request_id header),
and its own metrics endpoint shows the task and the webhook attempt."""

from __future__ import annotations

import json
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from events.models import WebhookDelivery
from events.services import create_endpoint
from tests.bench.processes import free_port
from tests.support.e2e import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_the_delivery_task_logs_under_the_request_id(receiver, make_worker, client_for, citizen):
    endpoint = create_endpoint(actor=None, url=f"{receiver.base_url}/all", events=["expediente.*"])
    port = free_port()
    worker = make_worker(LOG_FORMAT="json", CELERY_METRICS_PORT=str(port))

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

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        samples = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.read().decode())
            for sample in family.samples
        }
    task = (("outcome", "succeeded"), ("task", "events.deliver_webhooks"))
    assert samples[("expedientes_celery_tasks_total", task)] >= 1
    assert samples[("expedientes_celery_task_duration_seconds_count", (("task", "events.deliver_webhooks"),))] >= 1
    attempt = (("endpoint", str(endpoint.pk)), ("outcome", "success"))
    assert samples[("expedientes_webhook_attempts_total", attempt)] == 1
