"""Health checks and the problem+json answers for errors raised outside DRF views."""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from core.adminkit import colours_css
from core.exceptions import PROBLEM_CONTENT_TYPE, PermissionDeniedError, problem_body

logger = logging.getLogger(__name__)


def _problem(status: int, code: str, detail: Any) -> JsonResponse:
    return JsonResponse(problem_body(status, code, detail), status=status, content_type=PROBLEM_CONTENT_TYPE)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _problem(400, "parse_error", _("Bad request"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _problem(403, "permission_denied", PermissionDeniedError.default_detail)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _problem(404, "not_found", _("Not found"))


def server_error(request: HttpRequest) -> JsonResponse:
    return _problem(500, "server_error", _("Internal server error"))


def public(view):
    """No authentication, no permission, no throttling: for health probes."""
    view = authentication_classes([])(view)
    view = permission_classes([AllowAny])(view)
    return throttle_classes([])(view)


@extend_schema(
    responses=inline_serializer("Live", {"status": serializers.CharField()}),
    auth=[],
    tags=["health"],
)
@api_view(["GET", "HEAD"])
@public
def live(request: Request) -> Response:
    return Response({"status": "ok"})


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.warning("readiness: database unreachable", exc_info=True)
        return "unavailable"
    return "ok"


def check_broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "disabled"
    try:
        # One attempt and no sleep before it fails: a probe has about a second (kombu's default
        # retry waits 2 s first, longer than a readiness probe's usual timeout).
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
    except Exception:
        logger.warning("readiness: broker unreachable", exc_info=True)
        return "unavailable"
    return "ok"


@extend_schema(
    responses={
        200: inline_serializer(
            "Ready",
            {"status": serializers.CharField(), "checks": serializers.DictField(child=serializers.CharField())},
        ),
        503: inline_serializer(
            "NotReady",
            {"status": serializers.CharField(), "checks": serializers.DictField(child=serializers.CharField())},
        ),
    },
    auth=[],
    tags=["health"],
)
@api_view(["GET", "HEAD"])
@public
def ready(request: Request) -> Response:
    checks = {"database": check_database(), "broker": check_broker()}
    failing = [name for name, value in checks.items() if value not in ("ok", "disabled")]
    if failing:
        return Response({"status": "unavailable", "checks": checks, "failing": failing}, status=503)
    return Response({"status": "ok", "checks": checks})


class DocsView(SpectacularSwaggerSplitView):
    """The Swagger UI page, its set-up script served by the same URL (``?script``) instead of inline,
    so the page needs no ``'unsafe-inline'``. Its renderer is HTML-only, so DRF's OPTIONS metadata
    (a dict) cannot be rendered by it: OPTIONS answers just the ``Allow`` header."""

    template_name = "core/swagger_ui.html"

    def options(self, request: Request, *args: object, **kwargs: object) -> HttpResponse:
        return HttpResponse(status=204)


def admin_colours_css(request: HttpRequest) -> HttpResponse:
    """The admin's colour classes (``core.adminkit.colours_css``); the same for everyone, cached."""
    response = HttpResponse(colours_css(), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


# The API's front door: each top-level collection by URL name (the apps own their routes; the
# index only reverses their names, so a renamed path shows here by itself).
API_RESOURCES: dict[str, str] = {
    "auth_register": "auth-register",
    "auth_login": "auth-login",
    "auth_refresh": "auth-refresh",
    "auth_logout": "auth-logout",
    "me": "me",
    "users": "user-list",
    "expedientes": "expediente-list",
    "categories": "category-list",
    "products": "product-list",
    "cart": "cart",
    "orders": "order-list",
    "checkout": "checkout",
    "payments": "payment-list",
    "events": "event-list",
    "audit_events": "audit-event-list",
    "webhook_endpoints": "webhook-endpoint-list",
    "webhook_deliveries": "webhook-delivery-list",
    "dashboard": "dashboard",
    "reports": "reports-index",
}


def _absolute(request: Request, name: str) -> str:
    return request.build_absolute_uri(reverse(name))


@extend_schema(
    responses=inline_serializer(
        "ApiIndex",
        {
            "name": serializers.CharField(),
            "version": serializers.CharField(),
            "docs": serializers.URLField(help_text="Interactive documentation (HTML)."),
            "schema": serializers.URLField(help_text="OpenAPI 3 document (add ?format=json for JSON)."),
            "health": serializers.URLField(),
            "resources": serializers.DictField(
                child=serializers.URLField(), help_text="Each top-level resource collection by name."
            ),
        },
    ),
    auth=[],
    tags=["index"],
    summary="The API's front door: links to the docs, the schema and every resource collection",
)
@api_view(["GET", "HEAD"])
@public
def api_root(request: Request) -> Response:
    return Response(
        {
            "name": "expedientes",
            "version": "v1",
            "docs": _absolute(request, "docs"),
            "schema": _absolute(request, "schema"),
            "health": _absolute(request, "health-ready"),
            "resources": {key: _absolute(request, name) for key, name in API_RESOURCES.items()},
        }
    )
