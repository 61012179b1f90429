"""JWT pairs: issue, rotate, blacklist and revoke (simplejwt underneath, our rules on top)."""

from __future__ import annotations

from typing import Any, TypedDict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import User

ROLE_CLAIM = "role"
INVALID_TOKEN_DETAIL = gettext_lazy("Token is invalid or expired")


class TokenPair(TypedDict):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


def access_lifetime_seconds() -> int:
    return int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds())


def invalid_token() -> InvalidToken:
    return InvalidToken(str(INVALID_TOKEN_DETAIL))


def issue_tokens(user: User) -> TokenPair:
    """A fresh access + refresh pair carrying the user id and role; the refresh token is tracked."""
    refresh = RefreshToken()
    # Ids are integers everywhere in the API; "sub" carries the string form JWT expects.
    refresh[api_settings.USER_ID_CLAIM] = user.pk
    refresh["sub"] = str(user.pk)
    refresh[ROLE_CLAIM] = user.role
    OutstandingToken.objects.create(
        user=user,
        jti=refresh[api_settings.JTI_CLAIM],
        token=str(refresh),
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    return {
        "access_token": str(refresh.access_token),
        "refresh_token": str(refresh),
        "token_type": "bearer",
        "expires_in": access_lifetime_seconds(),
    }


def _decode_refresh(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)  # type: ignore[arg-type]  # signature, expiry, type and blacklist
    except TokenError:
        raise invalid_token() from None


def _lock_outstanding(token: RefreshToken) -> OutstandingToken:
    """Lock the token's row so two concurrent uses of one refresh token cannot both succeed."""
    outstanding = (
        OutstandingToken.objects.select_for_update(of=("self",))
        .filter(jti=token.get(api_settings.JTI_CLAIM, ""))
        .order_by()
        .first()
    )
    if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
        raise invalid_token()
    return outstanding


def _active_user(token: RefreshToken) -> User:
    user_id: Any = token.get(api_settings.USER_ID_CLAIM)
    try:
        user = User.objects.filter(pk=int(user_id)).first()
    except (TypeError, ValueError):
        user = None
    if user is None or not user.is_active or user.deleted_at is not None:
        raise invalid_token()
    return user


def rotate(*, raw_refresh: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the old one is blacklisted (reuse -> 401)."""
    token = _decode_refresh(raw_refresh)
    with transaction.atomic():
        outstanding = _lock_outstanding(token)
        user = _active_user(token)
        BlacklistedToken.objects.create(token=outstanding)
        return issue_tokens(user)


def blacklist(*, raw_refresh: str, user: User) -> None:
    """Log out: the caller's refresh token stops working. Someone else's token is not valid here."""
    token = _decode_refresh(raw_refresh)
    with transaction.atomic():
        outstanding = _lock_outstanding(token)
        if str(token.get(api_settings.USER_ID_CLAIM)) != str(user.pk):
            raise invalid_token()
        BlacklistedToken.objects.create(token=outstanding)


def revoke_all(*, user: User) -> int:
    """Blacklist every refresh token of ``user`` that is not blacklisted yet; returns how many."""
    pending = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True, expires_at__gt=timezone.now())
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in pending], ignore_conflicts=True
    )
    return len(created)
