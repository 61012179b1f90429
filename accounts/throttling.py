"""Login throttling shared by every server process (docs/api-guide.md#accounts).

Failures live in the ``LoginFailure`` table. After ``LOGIN_FAILURE_LIMIT`` failures for one
account, or from one client address, inside ``LOGIN_FAILURE_WINDOW_SECONDS``, every further
attempt is refused until enough failures have left the window. Refused attempts are not counted.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import LoginFailure


def failure_limit() -> int:
    return int(settings.LOGIN_FAILURE_LIMIT)


def window() -> timedelta:
    return timedelta(seconds=int(settings.LOGIN_FAILURE_WINDOW_SECONDS))


# --- client address ------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for entry in proxies:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue
    return tuple(networks)


def _parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """``REMOTE_ADDR``, or the ``X-Forwarded-For`` entry appended by a trusted proxy.

    Walks ``X-Forwarded-For`` from the right while the hop that handed us the request is a trusted
    proxy, so a client cannot choose its own address by sending the header itself.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = _trusted_networks(tuple(getattr(settings, "TRUSTED_PROXIES", []) or []))
    if not networks:
        return remote[:64]
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    current = remote
    while hops:
        ip = _parse_ip(current)
        if ip is None or not any(ip in network for network in networks):
            break
        candidate = hops.pop()
        if _parse_ip(candidate) is None:
            break
        current = candidate
    return current[:64]


# --- counting ------------------------------------------------------------------------------------
def lock_keys(*keys: str) -> None:
    """Serialise attempts on the same account or address across processes (transaction-scoped).

    Held while the password is checked, so concurrent wrong attempts cannot all slip in under the
    limit. Locks are taken in a fixed order so two attempts never wait on each other in a cycle.
    """
    ids = sorted(
        {int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True) for key in keys}
    )
    with connection.cursor() as cursor:
        for lock_id in ids:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def _seconds_until_below_limit(times: list[datetime], now: datetime) -> int:
    """Whole seconds until fewer than the limit of ``times`` (ascending) are inside the window."""
    limit = failure_limit()
    if len(times) < limit:
        return 0
    # With exactly `limit` failures this is the oldest one; extra ones (left by concurrent
    # processes before the limit was hit) push the moment further.
    leaving = times[len(times) - limit]
    return max(1, math.ceil((leaving + window() - now).total_seconds()))


def retry_after(*, account_key: str, address: str, now: datetime | None = None) -> int:
    """Seconds the caller must wait (``0`` when the attempt may go ahead)."""
    now = now or timezone.now()
    since = now - window()
    recent = LoginFailure.objects.filter(created_at__gt=since).order_by("created_at")
    by_account = list(recent.filter(account_key=account_key).values_list("created_at", flat=True))
    # Checks made without a request (no address) are counted per account only.
    by_address = list(recent.filter(address=address).values_list("created_at", flat=True)) if address else []
    return max(_seconds_until_below_limit(by_account, now), _seconds_until_below_limit(by_address, now))


def record_failure(*, account_key: str, address: str) -> None:
    now = timezone.now()
    LoginFailure.objects.create(account_key=account_key, address=address, created_at=now)
    # Rows past the window no longer count for anyone.
    LoginFailure.objects.filter(created_at__lte=now - window()).delete()


def forget_failures(*, account_key: str, address: str) -> None:
    """After a success, drop this account's failures from this address only.

    Failures from other addresses stay, so a success never resets another address's counter.
    """
    LoginFailure.objects.filter(account_key=account_key, address=address).delete()


def clear_all() -> None:
    """Empty the throttle store (tests)."""
    LoginFailure.objects.all().delete()
