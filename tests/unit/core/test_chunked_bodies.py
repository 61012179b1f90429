"""``core.wsgi.ChunkedBodies`` without a server: what reaches Django, and the 411 a server earns
when it does not de-chunk bodies itself (the live-server tests cover gunicorn, which does)."""

from __future__ import annotations

import io
from typing import Any

import orjson

from core.wsgi import ChunkedBodies


def run(environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes, list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def app(env: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append({"length": env.get("CONTENT_LENGTH"), "body": env["wsgi.input"].read()})
        start_response("200 OK", [])
        return [b"ok"]

    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer.update(status=status, headers=dict(headers))

    body = b"".join(ChunkedBodies(app)(environ, start_response))
    return answer["status"], answer["headers"], body, seen


def test_a_server_that_does_not_dechunk_gets_a_411_problem():
    status, headers, body, seen = run(
        {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(b"5\r\nhello\r\n0\r\n\r\n")}
    )
    assert status == "411 Length Required"
    assert headers["Content-Type"] == "application/problem+json"
    problem = orjson.loads(body)
    assert (problem["status"], problem["code"]) == (411, "length_required")
    assert problem["request_id"] == headers["X-Request-ID"]
    assert seen == []


def test_a_dechunked_body_reaches_django_with_its_length(settings):
    settings.REQUEST_BODY_MAX_BYTES = 10
    environ = {
        "HTTP_TRANSFER_ENCODING": "gzip, chunked",
        "wsgi.input_terminated": True,
        "wsgi.input": io.BytesIO(b"0123456789"),
    }
    status, _, _, seen = run(environ)
    assert status == "200 OK"
    assert seen == [{"length": "10", "body": b"0123456789"}]
    environ["wsgi.input"] = io.BytesIO(b"0123456789A")
    status, _, body, seen = run(environ)
    assert status == "413 Content Too Large"
    assert orjson.loads(body)["code"] == "payload_too_large"
    assert seen == []


def test_a_body_with_a_length_is_left_alone():
    stream = io.BytesIO(b"abc")
    status, _, _, seen = run({"CONTENT_LENGTH": "3", "wsgi.input": stream})
    assert status == "200 OK"
    assert seen == [{"length": "3", "body": b"abc"}]
