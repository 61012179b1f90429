"""Webhooks and the outbox (webhook deliveries and emails): retries, leases, sweeps, batches."""

from __future__ import annotations

import ipaddress

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import env

WEBHOOKS_ALLOW_PRIVATE_HOSTS = env.bool("WEBHOOKS_ALLOW_PRIVATE_HOSTS", default=False)
# Narrower than the above: these networks (CIDR, comma-separated) count as public for webhook
# URLs, e.g. one receiver inside the network; everything else non-public stays refused.
WEBHOOKS_ALLOWED_NETWORKS = env.list("WEBHOOKS_ALLOWED_NETWORKS", default=[])
for _network in WEBHOOKS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"WEBHOOKS_ALLOWED_NETWORKS: {_network!r} is not a network (CIDR).") from None
# Delay before each attempt, in seconds (fractions allowed), the first normally 0 (docs/api-guide.md:
# 8 attempts over ~27 h).
WEBHOOK_RETRY_SCHEDULE = env.list(
    "WEBHOOK_RETRY_SCHEDULE", cast=float, default=[0, 5, 300, 1800, 7200, 18000, 36000, 36000]
)
EMAIL_RETRY_SCHEDULE = env.list("EMAIL_RETRY_SCHEDULE", cast=float, default=WEBHOOK_RETRY_SCHEDULE)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=15.0)
WEBHOOK_RESPONSE_EXCERPT_BYTES = env.int("WEBHOOK_RESPONSE_EXCERPT_BYTES", default=1024)
WEBHOOK_SECRET_BYTES = env.int("WEBHOOK_SECRET_BYTES", default=32)
WEBHOOK_SECRET_OVERLAP_SECONDS = env.int("WEBHOOK_SECRET_OVERLAP_SECONDS", default=24 * 3600)
WEBHOOK_DISABLE_AFTER_SECONDS = env.int("WEBHOOK_DISABLE_AFTER_SECONDS", default=5 * 24 * 3600)
# The outbox (webhooks and email): a sending worker holds its row this long (longer than one
# attempt may take); a row handed to the broker is not handed again for OUTBOX_REQUEUE_SECONDS.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=60)
OUTBOX_REQUEUE_SECONDS = env.int("OUTBOX_REQUEUE_SECONDS", default=120)
OUTBOX_RETRY_JITTER = env.float("OUTBOX_RETRY_JITTER", default=0.1)
# Waits up to this long ride a Celery countdown; longer ones wait for the sweep, because Redis
# re-delivers a message whose countdown outlives the visibility timeout.
OUTBOX_MAX_COUNTDOWN_SECONDS = env.int("OUTBOX_MAX_COUNTDOWN_SECONDS", default=30)
OUTBOX_MAX_RETRY_AFTER_SECONDS = env.int("OUTBOX_MAX_RETRY_AFTER_SECONDS", default=24 * 3600)
OUTBOX_SWEEP_BATCH = env.int("OUTBOX_SWEEP_BATCH", default=500)
# Without a broker: "background" sends outbox rows from a thread of the process that committed them,
# right after the commit, never in the request's own thread (events.background: `make run`);
# "inline" sends them in the committing thread (the test suite, where a request's webhooks and
# emails must be done when it returns). That thread sweeps for due rows every OUTBOX_SWEEP_SECONDS
# and, at a normal exit, gets OUTBOX_DRAIN_SECONDS to finish what is due.
OUTBOX_WITHOUT_BROKER = env.str("OUTBOX_WITHOUT_BROKER", default="background")
if OUTBOX_WITHOUT_BROKER not in ("background", "inline"):
    raise ImproperlyConfigured("OUTBOX_WITHOUT_BROKER must be 'background' or 'inline'.")
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=5.0)
OUTBOX_DRAIN_SECONDS = env.float("OUTBOX_DRAIN_SECONDS", default=10.0)
# Every worker also requests a sweep this often (0: off), so recovery does not depend on beat.
OUTBOX_WORKER_SWEEP_SECONDS = env.float("OUTBOX_WORKER_SWEEP_SECONDS", default=10.0)
# One delivery task in a worker also claims up to this many due deliveries in all (1: only its
# own), sends them one after another over keep-alive connections and records the results
# together, at least every WEBHOOK_BATCH_FLUSH_SECONDS.
WEBHOOK_BATCH_SIZE = env.int("WEBHOOK_BATCH_SIZE", default=50)
WEBHOOK_BATCH_FLUSH_SECONDS = env.float("WEBHOOK_BATCH_FLUSH_SECONDS", default=1.0)
# A connection to a receiver is reused while it was used within this many seconds (0: never).
WEBHOOK_KEEPALIVE_SECONDS = env.float("WEBHOOK_KEEPALIVE_SECONDS", default=2.0)
