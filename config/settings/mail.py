"""Email: the backend (``EMAIL_URL``), the sender and the message ids."""

from __future__ import annotations

from config.settings.base import env

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
globals().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="expedientes <no-reply@expedientes.local>")
SITE_NAME = env.str("SITE_NAME", default="expedientes")
EMAIL_MESSAGE_ID_DOMAIN = env.str("EMAIL_MESSAGE_ID_DOMAIN", default="expedientes.local")
EMAIL_SEND_TIMEOUT_SECONDS = env.int("EMAIL_SEND_TIMEOUT_SECONDS", default=30)
