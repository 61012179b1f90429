"""Logging: JSON lines or text, request lines, credentials scrubbed."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import PRODUCTION, env

# json: one JSON object per line (request_id, user_id, route, status, duration_ms...), for a log
# pipeline; text: for people. Credentials are scrubbed from every record (core.logging).
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "text").strip().lower()
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'text', not {LOG_FORMAT!r}.")
# One line per request on the `expedientes.request` logger (method, path, route, status,
# duration_ms, user_id); on by default with JSON logs (in text, gunicorn's access log does it).
REQUEST_LOG = env.bool("REQUEST_LOG", default=LOG_FORMAT == "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.logging.RequestIdFilter"},
        "redact": {"()": "core.logging.RedactFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
