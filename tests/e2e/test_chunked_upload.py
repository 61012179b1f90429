"""A body sent with ``Transfer-Encoding: chunked`` (no Content-Length) is read fully, over real HTTP.

Django's test client always sends a length, so these tests talk to gunicorn over a socket with
http.client, which chunks an iterable body on its own.
"""

from __future__ import annotations

import hashlib
import http.client
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import pytest

from expedientes.models import Documento, Expediente
from tests.support.api import access_token_for

pytestmark = pytest.mark.django_db(transaction=True)

BOUNDARY = "----expedientes-chunked"
LIMIT = 64 * 1024  # DOCUMENTO_MAX_BYTES for this server: a small limit keeps the test quick


def multipart(fields: dict[str, str], file: tuple[str, bytes] | None) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    if file is not None:
        filename, content = file
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: text/plain\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


def send(
    base_url: str, method: str, path: str, chunks: Iterable[bytes], headers: dict[str, str]
) -> tuple[int, dict[str, str], Any]:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, path, body=iter(list(chunks)), headers=headers, encode_chunked=True)
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(body) if body else None
    finally:
        connection.close()


@pytest.fixture
def expediente(make_user: Any) -> tuple[Any, dict[str, str]]:
    owner = make_user("citizen")
    expediente = Expediente.objects.create(numero="EXP-CHUNK-1", solicitante="Ana", owner=owner)
    headers = {
        "Authorization": f"Bearer {access_token_for(owner)}",
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
    }
    return expediente, headers


def test_a_chunked_multipart_upload_is_read_fully(gunicorn_server, expediente):
    base_url = gunicorn_server(DOCUMENTO_MAX_BYTES=str(LIMIT))
    target, headers = expediente
    content = b"line of text\n" * 3000  # 39 kB, sent in pieces of 1000 bytes
    body = multipart({"tipo": "anexo", "nombre": "notas.txt"}, ("notas.txt", content))
    chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)]
    status, _, answer = send(base_url, "POST", f"/api/v1/expedientes/{target.pk}/documentos", chunks, headers)
    assert status == 201, answer
    assert (answer["has_file"], answer["size"], answer["sha256"]) == (
        True,
        len(content),
        hashlib.sha256(content).hexdigest(),
    )
    assert (answer["nombre"], answer["tipo"], answer["content_type"]) == ("notas.txt", "anexo", "text/plain")
    stored = Documento.objects.get(expediente=target)
    with stored.file.open("rb") as handle:
        assert handle.read() == content


def test_a_chunked_body_past_the_largest_request_is_refused_with_a_problem(gunicorn_server, expediente):
    base_url = gunicorn_server(DOCUMENTO_MAX_BYTES=str(LIMIT))
    target, headers = expediente
    body = multipart({"tipo": "anexo"}, ("big.txt", b"x" * (LIMIT + 1_200_000)))
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    status, response_headers, answer = send(
        base_url, "POST", f"/api/v1/expedientes/{target.pk}/documentos", chunks, headers
    )
    assert status == 413
    assert response_headers["content-type"] == "application/problem+json"
    assert (answer["code"], answer["status"]) == ("payload_too_large", 413)
    assert answer["request_id"] == response_headers["x-request-id"]
    assert not Documento.objects.exists()


def test_a_chunked_json_body_is_read_fully(gunicorn_server, make_user):
    base_url = gunicorn_server()
    owner = make_user("citizen")
    headers = {"Authorization": f"Bearer {access_token_for(owner)}", "Content-Type": "application/json"}
    body = json.dumps({"numero": "EXP-CHUNK-2", "solicitante": "Ana", "concepto": "x" * 1500}).encode()
    status, _, answer = send(base_url, "POST", "/api/v1/expedientes", [body[:10], body[10:700], body[700:]], headers)
    assert status == 201, answer
    assert Expediente.objects.get(numero="EXP-CHUNK-2").concepto == "x" * 1500
