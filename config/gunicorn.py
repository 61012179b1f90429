"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi`."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Payment calls retry with capped backoff; a request must never be cut before they finish.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "75"))
graceful_timeout = 30
# GUNICORN_ACCESSLOG="" turns the access log off (`make serve-prod` does unless ACCESS_LOG is given).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
limit_request_line = 8190  # long cursors and filters must reach Django, not a bare gunicorn 414
