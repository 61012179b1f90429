"""``GET /metrics`` read as Prometheus reads it."""

from __future__ import annotations

METRICS_TOKEN = "test-metrics-token-0123456789abcdef"


def scrape(token: str = METRICS_TOKEN) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """``GET /metrics`` as Prometheus would; each sample by (name, labels)."""
    from django.test import Client
    from prometheus_client.parser import text_string_to_metric_families

    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def sample(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)
