"""/metrics under gunicorn with two workers: every worker's requests add up in one scrape.

Each worker is replaced after 5 requests (``--max-requests``), so the requests are served by at
least 2 processes, most of them gone by the time of the scrape: the figure is right only if the
scrape adds up every process's file, the dead ones' included.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.bench.processes import PROJECT_DIR, free_port, start, stop
from tests.support.e2e import database_url

pytestmark = pytest.mark.django_db
TOKEN = "e2e-metrics-token-0123456789abcdef"
REQUESTS = 10
PER_WORKER = 5


def _get(url: str, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Connection": "close", **headers})  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, response.read()


def test_two_workers_add_up(tmp_path: Path) -> None:
    port = free_port()
    multiproc = tmp_path / "metrics"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_ACCESSLOG": "",
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
        "GUNICORN_CMD_ARGS": f"--max-requests {PER_WORKER}",
    }
    argv = [sys.executable, "-m", "gunicorn", "-c", str(PROJECT_DIR / "config" / "gunicorn.py"), "config.wsgi"]
    server = start(argv, tmp_path / "gunicorn.log", "Booting worker", timeout=60, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(REQUESTS):
            assert _get(f"{base}/health/live")[0] == 200
        status, body = _get(f"{base}/metrics", Authorization=f"Bearer {TOKEN}")
    finally:
        stop(server)

    assert status == 200
    counts = {
        sample.labels["route"]: sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == "expedientes_http_requests_total" and sample.labels["status"] == "200"
    }
    assert counts == {"^health/live/?$": REQUESTS}
    # One file per process that served; the scrape summed them.
    assert len(list(multiproc.glob("counter_*.db"))) >= REQUESTS // PER_WORKER
