"""Log records with the request's context, JSON lines for a log pipeline, and nothing secret.

Every record gets ``request_id`` and ``user_id`` (``-``/``None`` outside a request) and, inside a
Celery task, ``task_id`` and ``task``. ``LOG_FORMAT=json`` (the production default) writes one
JSON object per line (python-json-logger, encoded by orjson); ``text`` is for people.

A request's line must stay cheap (``python -m tests.bench.observability`` measures it): the
credential patterns only run on text that holds one of their words, and the verdict on each
extra field's name is remembered.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any

from pythonjsonlogger.orjson import OrjsonFormatter

from core.request_context import get_request_id, get_task, get_user_id

REDACTED = "[redacted]"
# Keys of extra fields whose values are never written.
SECRET_KEYS = re.compile(r"pass(word)?|secret|token|authorization|api[_-]?key|cookie|session|signature", re.I)
# Credentials inside a message: "Bearer <token>", "password=...", "token: ...", JWTs.
SECRET_TEXT = re.compile(
    r"(?i)(bearer\s+)[^\s,;\"']+"
    r"|((?:password|passwd|secret|token|api[_-]?key|authorization)[\"']?\s*[:=]\s*[\"']?)[^\s,;&\"']+"
    r"|eyJ[\w-]+\.[\w-]+\.[\w-]+"
)
# A credential pattern can only match text holding one of these (lowercased): a quick test first.
SECRET_WORDS = ("bearer", "pass", "secret", "token", "key", "authorization", "eyj")
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def _replace(match: re.Match[str]) -> str:
    prefix = match.group(1) or match.group(2) or ""
    return f"{prefix}{REDACTED}"


def redact_text(text: str) -> str:
    lowered = text.lower()
    if not any(word in lowered for word in SECRET_WORDS):
        return text
    return SECRET_TEXT.sub(_replace, text)


@cache
def _secret_key(name: str) -> bool:
    return name not in STANDARD_ATTRIBUTES and SECRET_KEYS.search(name) is not None


class RequestIdFilter(logging.Filter):
    """Adds ``request_id``, ``user_id`` and the running task to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = get_request_id() or "-"
        if not hasattr(record, "user_id"):
            record.user_id = get_user_id()
        task = get_task()
        if task is not None and not hasattr(record, "task_id"):
            record.task_id, record.task = task
        return True


class RedactFilter(logging.Filter):
    """Scrubs credentials from the message, its arguments and extra fields; drops the request object.

    Django's ``django.request`` logger attaches the request (headers, cookies, query string):
    only its method and path are kept.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = record.__dict__.pop("request", None)
        if request is not None and not hasattr(record, "path"):
            record.method = getattr(request, "method", None)
            record.path = getattr(request, "path", None)
        if record.args:
            try:
                record.msg = record.getMessage()
            except (TypeError, ValueError):
                record.msg = str(record.msg)
            record.args = None
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        fields = record.__dict__
        for key in [key for key in fields if key not in STANDARD_ATTRIBUTES]:
            if _secret_key(key):
                fields[key] = REDACTED
            elif isinstance(fields[key], str):
                fields[key] = redact_text(fields[key])
        return True


class JsonFormatter(OrjsonFormatter):
    """One JSON object per line: time, level, logger, message, context and every extra field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("timestamp", True)
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)

    def formatException(self, ei: Any) -> str:
        formatted = super().formatException(ei)
        return redact_text(formatted if isinstance(formatted, str) else "\n".join(formatted))
