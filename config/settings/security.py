"""Keys and the production guards, the login throttle and the browser-facing protections
(Content-Security-Policy, HTTPS-only cookies, HSTS)."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import DEBUG, DEFAULT_SECRET_KEY, PRODUCTION, SECRET_KEY, env

# Keys that were ever written in this repository are public: production refuses them, and any
# value that reads like a placeholder.
PUBLISHED_KEYS = frozenset(
    {
        DEFAULT_SECRET_KEY,
        DEFAULT_SECRET_KEY + ":jwt",
        "compose-development-secret-change-me-0123456789abcdefghij",
        "compose-development-jwt-key-change-me-0123456789abcdef",
    }
)
PLACEHOLDER_MARKERS = ("change-me", "changeme", "change_me", "insecure", "development-only", "replace-me")


def refuse_public_key(name: str, value: str, *, min_length: int = 0) -> None:
    """In production, stop unless ``value`` is a real key: set, long enough, never published."""
    lowered = value.lower()
    if (
        len(value) < max(min_length, 1)
        or value in PUBLISHED_KEYS
        or any(marker in lowered for marker in PLACEHOLDER_MARKERS)
    ):
        raise ImproperlyConfigured(
            f"DJANGO_ENV=production needs a real {name}"
            + (f" ({min_length}+ random characters" if min_length else " (")
            + ", never a value published in the repository or a placeholder)."
        )


if PRODUCTION:
    refuse_public_key("SECRET_KEY", SECRET_KEY, min_length=50)
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_ENV=production refuses to start with DEBUG=true.")

TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Login throttle (accounts.throttling): failures per account or address within the window -> 429.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)

# --- Content-Security-Policy (every response; django-csp) ---------------------------------------
# Every script, style sheet, font and image of the admin and the docs page is served from here, so
# nothing else is allowed: no inline script or style, no eval, no plugins, no framing. ``data:``
# images are Swagger UI's icons inside its own style sheet.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# --- Security (production) --------------------------------------------------------------------
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
