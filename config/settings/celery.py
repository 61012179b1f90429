"""Celery: the broker (eager without one), acknowledgements, time limits and the beat schedule."""

from __future__ import annotations

from config.settings.base import env

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=90)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Longer than any task may run, so Redis does not hand an unacked task to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
    "max_retries": 3,
}
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Hourly: forget expired Idempotency-Keys. Every 30 s: the outbox sweep, which re-enqueues due
# webhook deliveries and emails (recovers a broker that was down).
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "purge-idempotency-keys": {"task": "core.purge_idempotency_keys", "schedule": 3600.0},
    "events-sweep-outbox": {
        "task": "events.sweep_outbox",
        "schedule": env.float("OUTBOX_BEAT_SECONDS", default=30.0),
        "options": {"expires": env.float("OUTBOX_BEAT_SECONDS", default=30.0)},
    },
}
CELERY_TIMEZONE = "UTC"
# The worker logs through LOGGING (config/settings/logs.py) (JSON lines with the causing request's id), not its own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fixup closes every database connection before and after each task unless this is
# set; then it closes them every N tasks, and config.celery also drops a connection that broke or
# outlived CONN_MAX_AGE, as Django does between requests. A new PostgreSQL backend per webhook
# was most of a delivery's cost.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
