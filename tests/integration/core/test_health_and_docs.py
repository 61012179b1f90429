import re

import pytest
from django.db import OperationalError
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_live(api_client):
    response = api_client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_reports_checks(api_client, settings):
    settings.CELERY_BROKER_URL = ""
    response = api_client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "disabled"}}


def test_ready_is_503_naming_the_database_when_it_is_unreachable(api_client, monkeypatch):
    class DeadConnection:
        def cursor(self):
            raise OperationalError("could not connect to server")

    monkeypatch.setattr("core.views.connection", DeadConnection())
    response = api_client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "unavailable"
    assert body["failing"] == ["database"]


def test_ready_is_503_naming_the_broker_when_it_is_unreachable(api_client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    from celery import current_app

    current_app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = api_client.get("/health/ready")
    finally:
        current_app.conf.broker_url = ""
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "unavailable"}


def test_schema_is_valid_openapi_3(api_client):
    response = api_client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    validate(document)
    # Error responses are documented as problem+json on every operation.
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            errors = [code for code in operation["responses"] if code.startswith(("4", "5"))]
            assert errors, f"{method} {path} documents no error response"
            assert any("application/problem+json" in operation["responses"][code]["content"] for code in errors)


def test_docs_page_uses_only_local_assets(api_client):
    response = api_client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html) + re.findall(r"https?://[^\s\"'<>]+", html)
    external = [url for url in urls if url.startswith(("http://", "https://", "//"))]
    assert external == []
    for asset in re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", html):
        assert api_client.get(asset).status_code == 200, asset
