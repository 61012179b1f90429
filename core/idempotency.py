"""``Idempotency-Key`` for POST views (docs/api-guide.md#idempotency), reusable by any app.

Decorate a DRF handler (``post``/``create``) with :func:`idempotent`. The key is scoped to
user + method + path. The scope row is claimed (inserted and committed) *before* the handler
runs, so a concurrent request with the same key finds it and gets ``409 idempotency_key_in_use``;
the handler's final response is then stored byte for byte and replayed for 24 h with
``Idempotent-Replayed: true``. 5xx answers are not stored: the claim is released so a retry can run.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import orjson
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from core.exceptions import ApplicationError, ValidationFailed
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Headers that are part of "the response" a client may rely on when it is replayed.
STORED_HEADERS = ("Content-Type", "ETag", "Location")

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    # Servers strip the whitespace around a header value, so a key starts and ends with a visible character.
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": r"^\S(.*\S)?$"},
    OpenApiParameter.HEADER,
    required=False,
    description="1..255 characters. Replays the stored response of an earlier request with the same key "
    "and body (header Idempotent-Replayed: true) instead of repeating its side effects.",
)


class IdempotencyKeyInUse(ApplicationError):
    code = "idempotency_key_in_use"
    default_detail = gettext_lazy("A request with this Idempotency-Key is still being processed")


class IdempotencyKeyReused(ApplicationError):
    status_code = 422
    code = "idempotency_key_reused"
    default_detail = gettext_lazy("This Idempotency-Key was used with a different request body")


def ttl() -> timedelta:
    return timedelta(seconds=getattr(settings, "IDEMPOTENCY_KEY_TTL_SECONDS", 24 * 3600))


def stale_after() -> timedelta:
    """A claim older than this belongs to a request that died without answering (worker killed)."""
    return timedelta(seconds=getattr(settings, "IDEMPOTENCY_LOCK_TIMEOUT_SECONDS", 300))


def read_key(request: Request) -> str | None:
    """The request's key, ``None`` when the header is absent; 422 when empty or too long."""
    if HEADER not in request.headers:
        return None
    key = request.headers[HEADER]
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationFailed.field(
            HEADER, _("Must be between 1 and %(maximum)d characters.") % {"maximum": MAX_KEY_LENGTH}
        )
    return key


def fingerprint_of(request: Request) -> str:
    """Hash of the parsed body in canonical form, so key order and whitespace do not matter."""
    try:
        canonical = orjson.dumps(request.data, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except TypeError:
        canonical = repr(request.data).encode()
    return hashlib.sha256(canonical).hexdigest()


def _scope(request: Request, key: str) -> dict[str, Any]:
    user_id = request.user.pk if request.user and request.user.is_authenticated else 0
    # /orders and /orders/ are one resource (trailing slash optional), so one scope.
    return {"user_id": user_id, "method": request.method, "path": request.path.rstrip("/") or "/", "key": key}


def _claim(scope: dict[str, Any], fingerprint: str) -> tuple[IdempotencyKey | None, IdempotencyKey | None]:
    """Insert the scope row; returns ``(claimed, None)`` or ``(None, existing)``."""
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    **scope, fingerprint=fingerprint, locked_at=now, expires_at=now + ttl()
                )
            return row, None
        except IntegrityError:
            pass
        existing = IdempotencyKey.objects.filter(**scope).first()
        if existing is None:  # released (a 5xx) between our insert and our read
            continue
        expired = existing.expires_at <= now
        abandoned = existing.state == IdempotencyKey.State.IN_PROGRESS and existing.locked_at <= now - stale_after()
        if not (expired or abandoned):
            return None, existing
        # Take over the row only if nobody else did since we read it.
        taken = IdempotencyKey.objects.filter(pk=existing.pk, locked_at=existing.locked_at).update(
            state=IdempotencyKey.State.IN_PROGRESS,
            fingerprint=fingerprint,
            response_status=None,
            response_headers={},
            response_body=None,
            locked_at=now,
            expires_at=now + ttl(),
        )
        if taken:
            existing.refresh_from_db()
            return existing, None
    raise IdempotencyKeyInUse()


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.response_body or b""), status=row.response_status)
    for name, value in (row.response_headers or {}).items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def _store(row: IdempotencyKey, response: HttpResponseBase) -> None:
    body = getattr(response, "content", b"")
    headers = {name: response[name] for name in STORED_HEADERS if response.has_header(name)}
    IdempotencyKey.objects.filter(pk=row.pk).update(
        state=IdempotencyKey.State.COMPLETED,
        response_status=response.status_code,
        response_headers=headers,
        response_body=bytes(body),
    )


def idempotent(handler: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Make a DRF view handler honour ``Idempotency-Key`` (see the module docstring)."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        key = read_key(request)
        if key is None:
            return handler(view, request, *args, **kwargs)
        fingerprint = fingerprint_of(request)
        row, existing = _claim(_scope(request, key), fingerprint)
        if existing is not None:
            if existing.fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            if existing.state != IdempotencyKey.State.COMPLETED:
                raise IdempotencyKeyInUse()
            return _replay(existing)
        assert row is not None
        stored = False
        try:
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - handled exactly as DRF would, then stored
                # Turn the error into its final problem response here, so it is stored too.
                response = view.handle_exception(exc)
            response = view.finalize_response(request, response, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response.render()
            if response.status_code < 500:
                _store(row, response)
                stored = True
            return response
        finally:
            if not stored:
                IdempotencyKey.objects.filter(pk=row.pk).delete()

    return wrapper


def purge_expired(now: Any = None) -> int:
    """Delete the rows past their 24 h window; returns how many went."""
    deleted, _by_model = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
