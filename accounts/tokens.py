"""JWT pairs: issue, rotate, blacklist and revoke (simplejwt underneath, our rules on top)."""

from __future__ import annotations

import uuid
from typing import Any, TypedDict

from django.db import transaction
from django.utils.translation import gettext_lazy
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import RefreshTokenFamily, User

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


class _RefreshToken(RefreshToken):
    """Signature, expiry and type are checked on decoding; the blacklist is read by the callers
    under the token row's lock, where a blacklisted token means reuse."""

    def check_blacklist(self) -> None:
        return None


def issue_tokens(user: User, *, family: uuid.UUID | None = None) -> TokenPair:
    """A fresh access + refresh pair carrying the user id and role; the refresh token is tracked,
    in ``family`` when it was rotated from an earlier one, else in a new family (a login)."""
    refresh = RefreshToken()
    # Ids are integers everywhere in the API; "sub" carries the string form JWT expects.
    refresh[api_settings.USER_ID_CLAIM] = user.pk
    refresh["sub"] = str(user.pk)
    refresh[ROLE_CLAIM] = user.role
    outstanding = OutstandingToken.objects.create(
        user=user,
        jti=refresh[api_settings.JTI_CLAIM],
        token=str(refresh),
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    RefreshTokenFamily.objects.create(token=outstanding, family=family or uuid.uuid4())
    return {
        "access_token": str(refresh.access_token),
        "refresh_token": str(refresh),
        "token_type": "bearer",
        "expires_in": access_lifetime_seconds(),
    }


def _decode_refresh(raw: str) -> RefreshToken:
    try:
        return _RefreshToken(raw)  # type: ignore[arg-type]  # signature, expiry and type
    except TokenError:
        raise invalid_token() from None


def _lock_row(token: RefreshToken) -> OutstandingToken:
    """Lock the token's row so two concurrent uses of one refresh token cannot both succeed."""
    outstanding = (
        OutstandingToken.objects.select_for_update(of=("self",))
        .filter(jti=token.get(api_settings.JTI_CLAIM, ""))
        .order_by()
        .first()
    )
    if outstanding is None:
        raise invalid_token()
    return outstanding


def _is_blacklisted(outstanding: OutstandingToken) -> bool:
    return BlacklistedToken.objects.filter(token=outstanding).exists()


def _lock_outstanding(token: RefreshToken) -> OutstandingToken:
    outstanding = _lock_row(token)
    if _is_blacklisted(outstanding):
        raise invalid_token()
    return outstanding


def _family_of(outstanding: OutstandingToken) -> uuid.UUID | None:
    return RefreshTokenFamily.objects.filter(token=outstanding).values_list("family", flat=True).first()


def revoke_family(family: uuid.UUID) -> int:
    """Blacklist every live refresh token rotated from the same login; returns how many."""
    pending = OutstandingToken.objects.filter(family_link__family=family, blacklistedtoken__isnull=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in pending], ignore_conflicts=True
    )
    return len(created)


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
    """Exchange a refresh token for a new pair in the same family; the old one is blacklisted.

    Presenting a token that was already rotated (or revoked) is reuse: someone holds a copy. The
    whole family is revoked, the rightful owner's newest token included, and the answer is ``401``
    (raised after the revocation has committed).
    """
    token = _decode_refresh(raw_refresh)
    with transaction.atomic():
        outstanding = _lock_row(token)
        family = _family_of(outstanding)
        reused = _is_blacklisted(outstanding)
        if reused:
            if family is not None:
                revoke_family(family)
        else:
            user = _active_user(token)
            BlacklistedToken.objects.create(token=outstanding)
            pair = issue_tokens(user, family=family)
    if reused:
        raise invalid_token()
    return pair


def blacklist(*, raw_refresh: str, user: User) -> None:
    """Log out: the caller's refresh token stops working. Someone else's token is not valid here."""
    token = _decode_refresh(raw_refresh)
    with transaction.atomic():
        outstanding = _lock_outstanding(token)
        if str(token.get(api_settings.USER_ID_CLAIM)) != str(user.pk):
            raise invalid_token()
        BlacklistedToken.objects.create(token=outstanding)
