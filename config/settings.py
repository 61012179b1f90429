"""Settings for expedientes: one module, every knob read from the environment.

Development defaults just work (embedded PostgreSQL, eager Celery, console email).
``DJANGO_ENV=production`` turns on the production guards.
"""

from __future__ import annotations

import ipaddress
import os
import zoneinfo
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured

from config.storage import default_storage_settings

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

DEFAULT_SECRET_KEY = "django-insecure-development-only-change-me"
SECRET_KEY = env.str("SECRET_KEY", default=DEFAULT_SECRET_KEY)
# Clients see the contract's problem+json 404/500 only with DEBUG off, so it stays off by default.
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

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

INSTALLED_APPS = [
    "core.apps.AdminConfig",  # django.contrib.admin with the project's site (core.adminsite)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "core",
    "events",
    "accounts",
    "expedientes",
    "orders",
    "reports",
    "seeding",
]

MIDDLEWARE = [
    # Outermost: times the whole request and labels it with the route pattern and final status.
    "core.metrics.MetricsMiddleware",
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language) for the admin and for problem titles and details.
    "django.middleware.locale.LocaleMiddleware",
    # The API speaks UTC whatever the office's zone (core.middleware).
    "core.middleware.ApiUtcMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.TooManyAttemptsPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    # A Unix-socket directory travels percent-encoded in the URL's host (postgres://u@%2Frun%2Fpg/db).
    DATABASES["default"]["HOST"] = unquote(str(DATABASES["default"].get("HOST") or ""))
else:
    from config.embedded_db import embedded_database

    DATABASES = {"default": embedded_database(BASE_DIR)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that needs no round trip on a quiet connection.
    DATABASES["default"]["ENGINE"] = "core.dbbackend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Every password check (API and admin logins, current-password confirmations) goes through this
# backend and the login throttle (accounts.passwords).
AUTHENTICATION_BACKENDS = ["accounts.passwords.ThrottledModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time -------------------------------------------------------------------------
# The office's language: the admin when the browser asks for none of LANGUAGES, API problem texts
# without Accept-Language, and a new user's ``language`` (the language of their emails).
# Each named in itself, as a language picker shows them.
LANGUAGES = [("es", "Español"), ("en", "English")]
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="es").strip().lower()
if LANGUAGE_CODE.split("-")[0] not in {code for code, _name in LANGUAGES}:
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(code for code, _name in LANGUAGES)}.")
LANGUAGE_CODE = LANGUAGE_CODE.split("-")[0]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and times name their zone (config/formats).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
# The office's zone: times in the admin and in emails. The API and the database stay in UTC.
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Madrid")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known time zone (e.g. Europe/Madrid).") from exc
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media"))
# Documentos: the local filesystem (MEDIA_ROOT) unless STORAGE_BACKEND=s3, then an S3-compatible
# bucket (AWS S3, MinIO, Ceph...) through django-storages, shared by every web server and worker.
DEFAULT_STORAGE = default_storage_settings(os.environ)
STORAGES = {
    "default": DEFAULT_STORAGE,
    # Hashed, compressed names once `collectstatic` has run (make run, the image); plain before.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION or (STATIC_ROOT / "staticfiles.json").exists()
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without collectstatic (tests, a first run) WhiteNoise serves from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# JSON bodies are capped at 1 MiB by core.parsers; this caps non-file form fields.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
JSON_MAX_BODY_BYTES = 1024 * 1024
DOCUMENTO_MAX_BYTES = env.int("DOCUMENTO_MAX_BYTES", default=10 * 1024 * 1024)
# The largest body any endpoint takes (a documento and its form fields): a body sent chunked, with no
# Content-Length, is read up to this and refused (413) beyond (core.wsgi).
REQUEST_BODY_MAX_BYTES = DOCUMENTO_MAX_BYTES + 1088 * 1024

# --- Cache ------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.ORJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.negotiation.JSONFallbackNegotiation",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "core.filters.QueryFilterBackend",
        "core.filters.ValidatedOrderingFilter",
    ],
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "core.exceptions.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "expedientes API",
    "DESCRIPTION": "Case files, documentos, catalog, orders, payments and webhooks.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SECURITY": [{"jwtAuth": []}],
    "ENUM_NAME_OVERRIDES": {
        "EstadoEnum": "expedientes.models.Estado",
        "OutboxStatusEnum": "events.models.OutboxStatus",
        "OpenEstadoEnum": "reports.figures.OPEN_ESTADOS",
        "LeftEstadoEnum": "reports.figures.LEFT_ESTADOS",
    },
}

# --- JWT --------------------------------------------------------------------------------------
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_ACCESS_LIFETIME_SECONDS", default=15 * 60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_REFRESH_LIFETIME_SECONDS", default=7 * 24 * 3600)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    # A key of its own, so rotating SECRET_KEY does not log everybody out and vice versa.
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY + ":jwt"),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}
if PRODUCTION:
    # Its own key: anyone holding a published or derived one could sign tokens as the admin.
    refuse_public_key("JWT_SIGNING_KEY", env.str("JWT_SIGNING_KEY", default=""), min_length=50)
    if SIMPLE_JWT["SIGNING_KEY"] in (SECRET_KEY, SECRET_KEY + ":jwt"):
        raise ImproperlyConfigured("DJANGO_ENV=production needs a JWT_SIGNING_KEY of its own, not SECRET_KEY.")

# `make bench-http` only: reference views under /api/v1/bench/ (reports.benchviews). Never in production use.
BENCH_VIEWS = env.bool("BENCH_VIEWS", default=False)

# GET /metrics (Prometheus) answers only `Authorization: Bearer <METRICS_TOKEN>`; unset: 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Login throttle (accounts.throttling): failures per account or address within the window -> 429.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)

# --- Celery -----------------------------------------------------------------------------------
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
# The worker logs through LOGGING above (JSON lines with the causing request's id), not its own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fixup closes every database connection before and after each task unless this is
# set; then it closes them every N tasks, and config.celery also drops a connection that broke or
# outlived CONN_MAX_AGE, as Django does between requests. A new PostgreSQL backend per webhook
# was most of a delivery's cost.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)

# --- Email ------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="expedientes <no-reply@expedientes.local>")
SITE_NAME = env.str("SITE_NAME", default="expedientes")
EMAIL_MESSAGE_ID_DOMAIN = env.str("EMAIL_MESSAGE_ID_DOMAIN", default="expedientes.local")
EMAIL_SEND_TIMEOUT_SECONDS = env.int("EMAIL_SEND_TIMEOUT_SECONDS", default=30)

# --- Payments ---------------------------------------------------------------------------------
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

# --- Idempotency-Key (docs/api-guide.md#idempotency) ------------------------------------------------------------------
IDEMPOTENCY_KEY_TTL_SECONDS = env.int("IDEMPOTENCY_KEY_TTL_SECONDS", default=24 * 3600)
# A claim older than this is taken as abandoned (its worker died) and may be taken over.
IDEMPOTENCY_LOCK_TIMEOUT_SECONDS = env.int("IDEMPOTENCY_LOCK_TIMEOUT_SECONDS", default=300)

# --- Webhooks ---------------------------------------------------------------------------------
WEBHOOKS_ALLOW_PRIVATE_HOSTS = env.bool("WEBHOOKS_ALLOW_PRIVATE_HOSTS", default=False)
# Narrower than the above: these networks (CIDR, comma-separated) count as public for webhook
# URLs, e.g. one receiver inside the network; everything else non-public stays refused.
WEBHOOKS_ALLOWED_NETWORKS = env.list("WEBHOOKS_ALLOWED_NETWORKS", default=[])
for _network in WEBHOOKS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"WEBHOOKS_ALLOWED_NETWORKS: {_network!r} is not a network (CIDR).") from None
# Delay before each attempt, in seconds, the first normally 0 (docs/api-guide.md#webhook-delivery: 8 attempts over ~27 h).
WEBHOOK_RETRY_SCHEDULE = env.list(
    "WEBHOOK_RETRY_SCHEDULE", cast=int, default=[0, 5, 300, 1800, 7200, 18000, 36000, 36000]
)
EMAIL_RETRY_SCHEDULE = env.list("EMAIL_RETRY_SCHEDULE", cast=int, default=WEBHOOK_RETRY_SCHEDULE)
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
# --- Reports ----------------------------------------------------------------------------------
# The service level: an expediente still undecided this many days after it was opened is late
# (the reports' default for ``limit_days``, and the admin's reports page).
REPORTS_SERVICE_LEVEL_DAYS = env.int("REPORTS_SERVICE_LEVEL_DAYS", default=30)

# The admin's XLSX exports are built whole before they are sent (CSV streams as it goes): more rows
# than this are refused with a message (at ~15k rows/s, well inside GUNICORN_TIMEOUT).
EXPORT_XLSX_MAX_ROWS = env.int("EXPORT_XLSX_MAX_ROWS", default=250_000)

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

# --- Logging ----------------------------------------------------------------------------------
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
