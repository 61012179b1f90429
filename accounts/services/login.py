"""Logging in: credentials checked by the throttled backend, a token pair issued."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.utils.translation import gettext_lazy
from rest_framework_simplejwt.settings import api_settings

from accounts import tokens
from accounts.models import User
from core.exceptions import ApplicationError


class InvalidCredentials(ApplicationError):
    status_code = 401
    code = "invalid_credentials"
    default_detail = gettext_lazy("Invalid credentials")

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        # Every 401 names the scheme to use (RFC 9110 §11.6.1), a failed login included.
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="api"'})
        super().__init__(detail, **kwargs)


def login(*, request: Any, identifier: str, password: str, by_email: bool = False) -> tokens.TokenPair:
    """Check credentials through ``authenticate()`` (the throttled backend, shared with the admin
    login) and return a token pair: ``401`` when they are wrong, ``429`` while throttled."""
    credentials = {"email" if by_email else "username": identifier, "password": password}
    user = authenticate(request, **credentials)
    if user is None:
        raise InvalidCredentials()
    if api_settings.UPDATE_LAST_LOGIN:
        update_last_login(User, user)
    return tokens.issue_tokens(user)
