"""JWT authentication whose failures all read as the contract's ``401 token_not_valid``."""

from __future__ import annotations

from collections import OrderedDict
from functools import cache
from typing import Any

from django.db import connections, router
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import aware_utcnow

from accounts.models import User
from accounts.tokens import invalid_token
from core.request_context import set_user_id


@cache
def _user_by_id_sql(alias: str) -> tuple[str, list[str]]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = User._meta.concrete_fields
    columns = ", ".join(quote(str(field.column)) for field in fields)
    pk_column = str(User._meta.pk.column)  # type: ignore[union-attr]
    sql = f"SELECT {columns} FROM {quote(User._meta.db_table)} WHERE {quote(pk_column)} = %s"  # noqa: S608
    return sql, [field.attname for field in fields]


def active_user(user_id: Any) -> User | None:
    """The token's user, read on every request (a role change or a deactivation applies at once).

    One statement written once per process: the ORM would build and compile the same ``get()``
    on every request, which costs more than the query itself.
    """
    if isinstance(user_id, str) and user_id.isascii() and user_id.isdigit():
        user_id = int(user_id)  # simplejwt writes the claim as a string
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**63:
        return None
    alias = router.db_for_read(User)
    sql, attnames = _user_by_id_sql(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    # Every column of User reads as its Python value without a converter (a test holds that).
    user = User.from_db(alias, attnames, row)
    return user if user.is_active and user.deleted_at is None else None


# Access tokens this process has verified, newest last: decoding one (base64, JSON, HMAC, claims) is a
# good part of an API request's own work, and a client sends the same token many times. A token is
# immutable and access tokens are never revoked (the user behind one is read on every request), so a
# verified token stays good until its expiry, which is checked again on every use.
_VERIFIED: OrderedDict[bytes, Any] = OrderedDict()
VERIFIED_TOKENS_KEPT = 1024


def _verified(raw_token: bytes) -> Any | None:
    token = _VERIFIED.get(raw_token)
    if token is None:
        return None
    try:
        token.check_exp(current_time=aware_utcnow())
    except TokenError:
        _VERIFIED.pop(raw_token, None)
        raise invalid_token() from None
    return token


def _remember(raw_token: bytes, token: Any) -> None:
    _VERIFIED[raw_token] = token
    while len(_VERIFIED) > VERIFIED_TOKENS_KEPT:
        _VERIFIED.popitem(last=False)


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token: Any) -> Any:
        # A deactivated, deleted or unknown account's tokens stop working at once.
        user = active_user(validated_token.get(api_settings.USER_ID_CLAIM))
        if user is None:
            raise invalid_token()
        set_user_id(user.pk)  # for the request's log lines (core.logging)
        return user

    def get_raw_token(self, header: bytes) -> bytes | None:
        # Auth schemes are case-insensitive (RFC 9110 §11.1); login answers token_type "bearer",
        # so "bearer <token>" is what an OAuth2-style client sends back.
        parts = header.split()
        if parts and parts[0].lower() == b"bearer":
            header = b" ".join([b"Bearer", *parts[1:]])
        return super().get_raw_token(header)

    def get_validated_token(self, raw_token: bytes) -> Any:
        token = _verified(raw_token)
        if token is not None:
            return token
        try:
            token = super().get_validated_token(raw_token)
        except InvalidToken:
            raise invalid_token() from None
        _remember(raw_token, token)
        return token
