"""Log records with the request's context, JSON lines for a log pipeline, and nothing secret.

Every record gets ``request_id`` and ``user_id`` (``-``/``None`` outside a request) and, inside a
Celery task, ``task_id`` and ``task``. ``LOG_FORMAT=json`` (the production default) writes one
JSON object per line (python-json-logger); ``text`` is for people.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

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
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def redact_text(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        prefix = match.group(1) or match.group(2) or ""
        return f"{prefix}{REDACTED}"

    return SECRET_TEXT.sub(replace, text)


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
        for key in [key for key in record.__dict__ if key not in STANDARD_ATTRIBUTES]:
            if SECRET_KEYS.search(key):
                record.__dict__[key] = REDACTED
            elif isinstance(record.__dict__[key], str):
                record.__dict__[key] = redact_text(record.__dict__[key])
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time, level, logger, message, context and every extra field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("timestamp", True)
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)

    def formatException(self, ei: Any) -> str:
        formatted = super().formatException(ei)
        return redact_text(formatted if isinstance(formatted, str) else "\n".join(formatted))
