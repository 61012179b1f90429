import json

import pytest
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.integration.core.urls")]


def problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "code", "errors", "request_id"}
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["errors"], list)
    assert body["request_id"] == response["X-Request-ID"]
    return body


@pytest.fixture
def client():
    client = APIClient()
    client.raise_request_exception = False
    return client


def test_validation_error_uses_dotted_paths(client):
    body = problem(
        client.post("/t/validate", {"items": [{"product_id": 1, "quantity": 1}, {"product_id": 0}]}, format="json"),
        422,
        "validation_error",
    )
    fields = {error["field"]: error["code"] for error in body["errors"]}
    assert fields == {"items.1.product_id": "min_value", "items.1.quantity": "required"}
    assert body["detail"].startswith("items.1.")


def test_empty_list_is_reported_on_the_list_field(client):
    body = problem(client.post("/t/validate", {"items": []}, format="json"), 422, "validation_error")
    assert body["errors"] == [{"field": "items", "message": "This list may not be empty.", "code": "empty"}]
    assert body["detail"] == "items: This list may not be empty."


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[1, 2]", b'"a string"', b'{"a": "\xff\xfe"}', b'{"a": "nul\\u0000"}', b"[" * 5000 + b"]" * 5000],
    ids=["malformed", "array", "string", "bad-utf8", "nul", "deep"],
)
def test_bad_bodies_are_parse_errors(client, raw):
    problem(client.post("/t/validate", raw, content_type="application/json"), 400, "parse_error")


def test_body_over_one_mib_is_413(client):
    payload = json.dumps({"note": "x" * (1024 * 1024)})
    problem(client.post("/t/validate", payload, content_type="application/json"), 413, "payload_too_large")


def test_unsupported_media_type(client):
    problem(client.post("/t/validate", "items=1", content_type="text/plain"), 415, "unsupported_media_type")


def test_not_authenticated_detail_is_exact(client):
    body = problem(client.get("/t/private"), 401, "not_authenticated")
    assert body["detail"] == "Not authenticated"


def test_garbage_token_is_token_not_valid(client):
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    problem(client.get("/t/private"), 401, "token_not_valid")


def test_method_not_allowed(client):
    problem(client.delete("/t/validate"), 405, "method_not_allowed")


def test_unknown_url_is_problem_404(client):
    body = problem(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert body["detail"] == "Not found"


def test_drf_404_names_the_resource(client):
    body = problem(client.get("/t/audit/999999"), 404, "not_found")
    assert body["detail"] == "Audit event not found"


def test_id_beyond_bigint_is_404(client):
    problem(client.get("/t/audit/99999999999999999999999"), 404, "not_found")


def test_unexpected_exception_is_500_without_leak(client):
    response = client.get("/t/boom")
    body = problem(response, 500, "server_error")
    assert body["detail"] == "Internal server error"
    assert b"hunter2" not in response.content
    assert b"Traceback" not in response.content


def test_plain_django_500_is_problem_json(client):
    response = client.get("/t/plain-boom")
    body = problem(response, 500, "server_error")
    assert body["detail"] == "Internal server error"
    assert b"secret-token" not in response.content


def test_database_unreachable_is_503(client):
    response = client.get("/t/db-down")
    problem(response, 503, "service_unavailable")
    assert b"10.0.0.1" not in response.content


def test_stale_if_match_is_412_and_fresh_one_passes(client):
    problem(client.patch("/t/versioned", {}, format="json", HTTP_IF_MATCH='W/"2"'), 412, "precondition_failed")
    ok = client.patch("/t/versioned", {}, format="json", HTTP_IF_MATCH='W/"3"')
    assert ok.status_code == 200
    assert ok["ETag"] == 'W/"3"'
    assert client.patch("/t/versioned", {}, format="json").status_code == 200


def test_request_id_is_generated_and_echoed(client):
    generated = client.get("/t/plain-ok")
    assert len(generated["X-Request-ID"]) == 32
    echoed = client.get("/t/plain-ok", HTTP_X_REQUEST_ID="abc-123")
    assert echoed["X-Request-ID"] == "abc-123"
    # Header injection or absurd values are replaced, never echoed.
    replaced = client.get("/t/plain-ok", HTTP_X_REQUEST_ID="bad value\twith spaces")
    assert replaced["X-Request-ID"] != "bad value\twith spaces"


def test_trailing_slash_is_optional_without_redirect(client):
    assert client.get("/t/audit").status_code == 200
    assert client.get("/t/audit/").status_code == 200
