"""docs/api-guide.md#general-rules and docs/api-guide.md#health-and-docs as a client sees them: problem+json everywhere, headers, HEAD/OPTIONS, limits."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from events.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.integration.core.urls")]


@pytest.fixture
def client():
    client = APIClient()
    client.raise_request_exception = False
    return client


def assert_problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["code"] == code
    assert body["request_id"] == response["X-Request-ID"]
    return body


# --- health and docs (§2) ------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/health/live/", "/health/ready/"])
def test_health_probes_answer_head(client, settings, path):
    settings.CELERY_BROKER_URL = ""
    response = client.head(path)
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/docs", "/api/v1/schema/", "/health/live"])
def test_options_never_fails(client, path):
    response = client.options(path)
    assert response.status_code in (200, 204), response.content
    assert "GET" in response["Allow"]


def test_docs_errors_are_problem_json_not_html(client):
    assert_problem(client.post("/api/v1/docs/", {}, format="json"), 405, "method_not_allowed")
    assert_problem(client.get("/api/v1/docs/?format=json"), 404, "not_found")


def test_schema_errors_are_problem_json_not_yaml(client):
    assert_problem(client.delete("/api/v1/schema/"), 405, "method_not_allowed")
    assert_problem(client.get("/api/v1/schema/?format=bogus"), 404, "not_found")


def test_schema_json_format(client):
    for url in ("/api/v1/schema/?format=json", "/api/v1/schema?format=json"):
        response = client.get(url)
        assert response.status_code == 200
        assert json.loads(response.content)["openapi"].startswith("3.")


# --- content negotiation -------------------------------------------------------------------------
@pytest.mark.parametrize("accept", ["text/html", "application/xml", "application/problem+json"])
def test_any_accept_header_gets_json_not_406(client, accept):
    AuditEvent.objects.create(entity_type="thing", entity_id="1", action="create")
    ok = client.get("/t/audit", HTTP_ACCEPT=accept)
    assert ok.status_code == 200
    assert ok["Content-Type"].startswith("application/json")
    assert json.loads(ok.content)["total"] == 1
    assert_problem(client.get("/t/audit/999999", HTTP_ACCEPT=accept), 404, "not_found")


# --- X-Request-ID ----------------------------------------------------------------------------------
@pytest.mark.parametrize("sent", ["{6f1c2a9e-0b7d-4c55-9a51-3f1d2b8c7e10}", "req 42 from client", "x" * 128])
def test_any_printable_request_id_is_echoed(client, sent):
    assert client.get("/t/plain-ok", HTTP_X_REQUEST_ID=sent)["X-Request-ID"] == sent
    body = assert_problem(client.get("/nowhere", HTTP_X_REQUEST_ID=sent), 404, "not_found")
    assert body["request_id"] == sent


@pytest.mark.parametrize("sent", ["x" * 129, "tab\tinside", "ñandú"])
def test_unusable_request_ids_are_replaced(client, sent):
    echoed = client.get("/t/plain-ok", HTTP_X_REQUEST_ID=sent)["X-Request-ID"]
    assert echoed != sent
    assert len(echoed) == 32


# --- ordering and cursors --------------------------------------------------------------------------
def test_an_ordering_naming_nothing_is_the_default_ordering(client):
    AuditEvent.objects.bulk_create(
        [AuditEvent(entity_type="thing", entity_id=str(i), action="create") for i in range(3)]
    )
    default = [row["id"] for row in json.loads(client.get("/t/audit").content)["data"]]
    for raw in ("", ",", " , "):
        assert [row["id"] for row in json.loads(client.get(f"/t/audit?ordering={raw}").content)["data"]] == default


# --- body limits -----------------------------------------------------------------------------------
def test_exactly_one_mib_is_parsed_and_one_byte_more_is_413(client):
    head, tail = b'{"note":"', b'"}'
    exact = head + b"x" * (1024 * 1024 - len(head) - len(tail)) + tail
    assert len(exact) == 1024 * 1024
    # Parsed (so the serializer's max_length answers), not refused for its size.
    assert_problem(client.post("/t/validate", exact, content_type="application/json"), 422, "validation_error")
    over = head + b"x" * (1024 * 1024 - len(head) - len(tail) + 1) + tail
    assert_problem(client.post("/t/validate", over, content_type="application/json"), 413, "payload_too_large")


@pytest.mark.parametrize("query", ["page=\u0661", "per_page=\u0663", "page=%201", "page=1_0", "per_page=+5"])
def test_page_parameters_are_plain_ascii_integers(client, query):
    body = assert_problem(client.get(f"/t/audit?{query}"), 422, "validation_error")
    assert body["errors"][0]["field"] in ("page", "per_page")
