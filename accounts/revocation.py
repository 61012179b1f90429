"""Ending every session of a user: their refresh tokens blacklisted.

Below ``accounts.models``: ``User.save`` calls it when the password changed, whichever path changed it.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken


def revoke_all(*, user: Any) -> int:
    """Blacklist every refresh token of ``user`` that is not blacklisted yet; returns how many."""
    pending = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True, expires_at__gt=timezone.now())
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in pending], ignore_conflicts=True
    )
    return len(created)
