"""The REST API: DRF, the OpenAPI schema, JWT, Idempotency-Key, metrics and the bench views."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import PRODUCTION, SECRET_KEY, env
from config.settings.security import refuse_public_key

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
    "EXCEPTION_HANDLER": "core.exceptions.handler.problem_exception_handler",
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


# JWT
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

# Idempotency-Key (docs/api-guide.md).
IDEMPOTENCY_KEY_TTL_SECONDS = env.int("IDEMPOTENCY_KEY_TTL_SECONDS", default=24 * 3600)
# A claim older than this is taken as abandoned (its worker died) and may be taken over.
IDEMPOTENCY_LOCK_TIMEOUT_SECONDS = env.int("IDEMPOTENCY_LOCK_TIMEOUT_SECONDS", default=300)
