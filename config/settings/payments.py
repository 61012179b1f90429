"""The payment provider: the sandbox, or an HTTP provider with timeouts and retries."""

from __future__ import annotations

from config.settings.base import PRODUCTION, env
from config.settings.security import refuse_public_key

PAYMENT_PROVIDER_URL = env.str("PAYMENT_PROVIDER_URL", default="")
# An empty PAYMENT_PROVIDER counts as unset: the sandbox unless a URL is configured.
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="").strip().lower() or (
    "http" if PAYMENT_PROVIDER_URL else "fake"
)
PAYMENT_PROVIDER_API_KEY = env.str("PAYMENT_PROVIDER_API_KEY", default="")
if PRODUCTION and PAYMENT_PROVIDER_API_KEY:
    refuse_public_key("PAYMENT_PROVIDER_API_KEY", PAYMENT_PROVIDER_API_KEY)
PAYMENT_PROVIDER_CONNECT_TIMEOUT = env.float("PAYMENT_PROVIDER_CONNECT_TIMEOUT", default=3.0)
PAYMENT_PROVIDER_READ_TIMEOUT = env.float("PAYMENT_PROVIDER_READ_TIMEOUT", default=10.0)
PAYMENT_PROVIDER_ATTEMPTS = env.int("PAYMENT_PROVIDER_ATTEMPTS", default=3)
PAYMENT_PROVIDER_BACKOFF_SECONDS = env.float("PAYMENT_PROVIDER_BACKOFF_SECONDS", default=0.5)
# Retry-After is honoured up to this, so a charge always ends well inside the request timeout.
PAYMENT_PROVIDER_MAX_RETRY_DELAY = env.float("PAYMENT_PROVIDER_MAX_RETRY_DELAY", default=5.0)
# All attempts and waits of one provider call together: below gunicorn's default 30 s worker
# timeout even when the provider is slow on every attempt (3 x 10 s read timeout otherwise).
PAYMENT_PROVIDER_TOTAL_TIMEOUT = env.float("PAYMENT_PROVIDER_TOTAL_TIMEOUT", default=25.0)
