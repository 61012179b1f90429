import logging

from core.request_context import get_request_id


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every log record so one request's lines can be found together."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = get_request_id() or "-"
        return True
