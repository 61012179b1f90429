"""JWT authentication whose failures all read as the contract's ``401 token_not_valid``."""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token: Any) -> Any:
        try:
            user = super().get_user(validated_token)
        except AuthenticationFailed as exc:
            # A deactivated or deleted account's tokens stop working at once.
            raise InvalidToken("Token is invalid or expired") from exc
        if getattr(user, "deleted_at", None) is not None or not user.is_active:
            raise InvalidToken("Token is invalid or expired")
        return user

    def get_raw_token(self, header: bytes) -> bytes | None:
        # Auth schemes are case-insensitive (RFC 9110 §11.1); login answers token_type "bearer",
        # so "bearer <token>" is what an OAuth2-style client sends back.
        parts = header.split()
        if parts and parts[0].lower() == b"bearer":
            header = b" ".join([b"Bearer", *parts[1:]])
        return super().get_raw_token(header)

    def get_validated_token(self, raw_token: bytes) -> Any:
        try:
            return super().get_validated_token(raw_token)
        except InvalidToken:
            raise InvalidToken("Token is invalid or expired") from None
