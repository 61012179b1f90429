"""Check API responses against the OpenAPI document the project generates.

Every JSON answer an API test receives through the ``api_client`` fixtures is validated here,
so the published schema cannot drift from what the server really says.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

import orjson
from openapi_schema_validator import OAS30ReadValidator

_generation_lock = threading.Lock()


def spec() -> dict[str, Any]:
    # drf-spectacular's generator is not thread-safe; concurrency tests check responses from threads.
    with _generation_lock:
        return _spec()


@functools.lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework.utils.encoders import JSONEncoder

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return orjson.loads(orjson.dumps(schema, default=JSONEncoder().default))


@functools.lru_cache(maxsize=1)
def _routes() -> list[tuple[re.Pattern[str], str]]:
    routes = []
    for template in spec()["paths"]:
        pattern = re.sub(r"\\\{[^/]+?\\\}", r"[^/]+", re.escape(template.rstrip("/")))
        routes.append((re.compile(f"^{pattern}/?$"), template))
    # Literal segments beat parameters: "/users/me" must not match "/users/{id}" first.
    routes.sort(key=lambda item: item[1].count("{"))
    return routes


def find_operation(path: str, method: str) -> dict[str, Any] | None:
    for pattern, template in _routes():
        if pattern.match(path):
            return spec()["paths"][template].get(method.lower())
    return None


class SchemaMismatch(AssertionError):
    pass


def check_response(method: str, path: str, response: Any) -> None:
    """Raise ``SchemaMismatch`` when a JSON response is not described by the schema."""
    if not path.startswith("/api/v1/") or path.rstrip("/") in ("/api/v1/schema", "/api/v1/docs"):
        return
    content_type = response.get("Content-Type", "")
    if "json" not in content_type or not response.content:
        return
    operation = find_operation(path, method)
    if operation is None:
        if response.status_code in (404, 405):
            return
        raise SchemaMismatch(f"{method} {path} is not in the OpenAPI schema")
    responses = operation.get("responses", {})
    described = responses.get(str(response.status_code)) or responses.get("default")
    if described is None:
        raise SchemaMismatch(f"{method} {path} answered {response.status_code}, which the schema does not list")
    media = described.get("content", {})
    media_type = content_type.split(";")[0].strip()
    body_schema = (media.get(media_type) or next(iter(media.values()), {})).get("schema")
    if body_schema is None:
        return
    document = {**body_schema, "components": spec().get("components", {})}
    errors = sorted(OAS30ReadValidator(document).iter_errors(orjson.loads(response.content)), key=str)
    if errors:
        raise SchemaMismatch(f"{method} {path} -> {response.status_code}: {errors[0].message}")
