"""WSGI plumbing around the Django application: request bodies sent without a length.

A body sent with ``Transfer-Encoding: chunked`` has no ``Content-Length``, and Django reads a body
only up to ``Content-Length``: such an upload would reach the views empty (a multipart form "without
a file"). ``ChunkedBodies`` reads it first, to the end and never past ``REQUEST_BODY_MAX_BYTES``
(spooled to disk beyond a few MiB), and hands Django the body with its length; a longer one is a
``413`` problem. A server that does not de-chunk bodies itself (no ``wsgi.input_terminated``) gets
a ``411`` problem instead, since the body's end cannot be known there.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from django.conf import settings
from django.utils.translation import gettext as _

from core.exceptions import PROBLEM_CONTENT_TYPE, problem_body
from core.request_context import reset_request_id, set_request_id

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CHUNK = 64 * 1024
SPOOL_BYTES = 2 * 1024 * 1024


class ChunkedBodies:
    def __init__(self, application: WSGIApp) -> None:
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        codings = [coding.strip().lower() for coding in environ.get("HTTP_TRANSFER_ENCODING", "").split(",")]
        if "chunked" in codings:
            if not environ.get("wsgi.input_terminated"):
                return _problem(
                    start_response, 411, "length_required", _("Send the body with a Content-Length."), environ
                )
            body = _read_all(environ["wsgi.input"], int(settings.REQUEST_BODY_MAX_BYTES))
            if body is None:
                limit = int(settings.REQUEST_BODY_MAX_BYTES)
                detail = _("Request bodies may be at most %(limit)d bytes.") % {"limit": limit}
                return _problem(start_response, 413, "payload_too_large", detail, environ)
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = body
        return self.application(environ, start_response)


def _read_all(stream: Any, limit: int) -> tuple[Any, str] | None:
    """The whole body, rewound, with its length; ``None`` once it passes ``limit``."""
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - Django reads it later
    size = 0
    while True:
        data = stream.read(CHUNK)
        if not data:
            break
        size += len(data)
        if size > limit:
            spooled.close()
            return None
        spooled.write(data)
    spooled.seek(0)
    return spooled, str(size)


def _problem(
    start_response: Callable[..., Any], status: int, code: str, detail: str, environ: dict[str, Any]
) -> list[bytes]:
    request_id = uuid.uuid4().hex
    token = set_request_id(request_id)
    try:
        body = orjson.dumps(problem_body(status, code, detail))
    finally:
        reset_request_id(token)
    reason = {411: "Length Required", 413: "Content Too Large"}[status]
    start_response(
        f"{status} {reason}",
        [
            ("Content-Type", PROBLEM_CONTENT_TYPE),
            ("Content-Length", str(len(body))),
            ("X-Request-ID", request_id),
            ("Connection", "close"),
        ],
    )
    return [body]
