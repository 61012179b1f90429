"""``GET /metrics`` read as Prometheus reads it."""

from __future__ import annotations

METRICS_TOKEN = "test-metrics-token-0123456789abcdef"


def scrape(*names: str, token: str = METRICS_TOKEN) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """``GET /metrics`` as Prometheus would; each sample by (name, labels).

    With ``names``, only the samples of those metrics are parsed (a name covers its ``_bucket``,
    ``_count`` and ``_sum``): a worker's registry grows with every route the suite has called, and
    parsing all of it took a second per scrape by the end of a run.
    """
    from django.test import Client
    from prometheus_client.parser import text_string_to_metric_families

    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    if names:
        text = "".join(line for line in text.splitlines(keepends=True) if _is_of(line, names))
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _is_of(line: str, names: tuple[str, ...]) -> bool:
    """Whether an exposition line (``# HELP``/``# TYPE`` of a family, or a sample) is of one of ``names``
    (a counter's family is ``x``, its samples ``x_total``)."""
    words = line.split()
    metric = words[2] if line.startswith("#") and len(words) > 2 else line.partition("{")[0].partition(" ")[0]
    return any(metric.startswith(name) or name.startswith(metric) for name in names)


def sample(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)
