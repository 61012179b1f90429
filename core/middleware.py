"""Request id and one structured log line per request; UTC for the API; the admin's "too many
attempts" page."""

from __future__ import annotations

import datetime
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import empty

from core.metrics import route_of
from core.request_context import get_user_id, reset_request_id, reset_user_id, set_request_id, set_user_id

# Any printable ASCII id a client or proxy sends is echoed (UUIDs in braces, ids with spaces...);
# control characters, non-ASCII and ids over 128 characters (the audit column) are replaced.
_VALID_ID = re.compile(r"^[\x20-\x7e]{1,128}$")
API_PREFIX = "/api/"

request_logger = logging.getLogger("expedientes.request")


def _user_id_of(request: HttpRequest) -> Any:
    """The authenticated user's id: set by the API's authentication, or a session already read."""
    user_id = get_user_id()
    if user_id is not None:
        return user_id
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:  # a session nobody looked at
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.log = settings.REQUEST_LOG

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "").strip()
        request_id = incoming if _VALID_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = set_request_id(request_id)
        user_token = set_user_id(None)
        try:
            response = self.get_response(request)
            if self.log:
                status = response.status_code
                request_logger.log(
                    logging.ERROR if status >= 500 else logging.INFO,
                    "%s %s %s",
                    request.method,
                    request.path,
                    status,
                    extra={
                        "method": request.method,
                        "route": route_of(request),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "user_id": _user_id_of(request),
                    },
                )
        finally:
            reset_user_id(user_token)
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response


class ApiUtcMiddleware:
    """The API's timestamps are UTC (``...Z``) whatever ``TIME_ZONE`` says: the office's zone is for
    people (the admin, emails). Requests under ``/api/`` run with UTC active, which is
    also what lets the compiled serializers (core.representation) render without DRF."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        with timezone.override(datetime.UTC):
            return self.get_response(request)


class ReleaseViewMiddleware:
    """Lets a rendered API response go as soon as it is sent, not at the next garbage collection.

    DRF links the view, its request and its response in reference cycles (``view.response``,
    ``response.renderer_context["view"]``, ``request.parser_context["view"]``), so everything a view
    holds (a list page's rows, its rendered dicts) outlived the request until the cycle collector ran,
    and made it run: a 100-row page left ~410 objects behind per request against ~95 for a bare
    Django view. Once the response is rendered nothing reads those links again; cutting them here
    leaves the page to reference counting. ``response.data`` is kept (the test client reads it).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        context = getattr(response, "renderer_context", None)
        if context and getattr(response, "is_rendered", False):  # a response still to render needs them
            view = context.get("view")
            if view is not None:
                view.__dict__.clear()
            response.renderer_context = None  # type: ignore[attr-defined]
        return response


class TooManyAttemptsPageMiddleware:
    """A throttle refusal raised in a page (the admin login, its password change): ``429`` with
    ``Retry-After`` and a page saying when to try again, instead of a server error.

    The API's views answer the same refusal themselves, as problem+json.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.contrib import admin
        from django.shortcuts import render
        from django.utils.translation import gettext
        from rest_framework.exceptions import Throttled

        if not isinstance(exception, Throttled):
            return None
        wait = max(1, int(exception.wait or 1))
        context = {**admin.site.each_context(request), "title": gettext("Too many attempts"), "retry_after": wait}
        response = render(request, "admin/too_many_attempts.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
