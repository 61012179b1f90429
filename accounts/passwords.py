"""The one place a password is checked, under the login throttle (``accounts.throttling``).

Every door that verifies a password reaches this through Django's ``authenticate()`` and the
project's authentication backend (:class:`ThrottledModelBackend`): the API login, the admin login,
the current password at ``/me/password`` and in the admin's password change form. They share one
count per account and per client address, one lock and one ``Retry-After``; a door added later that
calls ``authenticate()`` is held the same way (a test refuses ``check_password`` anywhere else).

Why not django-axes: it counts per username string (an email login and a username login of one
account would be two counters) and locks out for a cool-off after the last failure, while the API
promises a sliding window whose ``Retry-After`` is the moment the oldest counted failure leaves it.
The store the API already had (one PostgreSQL table, advisory locks) keeps that promise everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.http import HttpRequest
from rest_framework.exceptions import Throttled

from accounts import throttling
from accounts.models import User, canonical


class TooManyAttempts(Throttled):
    """Too many failed password checks for the account or from the address: ``429`` with
    ``Retry-After`` (problem+json at the API, a page in the admin)."""


def find_account(identifier: str, *, by_email: bool) -> User | None:
    """The account an identifier names, compared in canonical form (``accounts.models.canonical``).

    An identifier holding ``@`` is an email and is matched against emails only: usernames never
    hold ``@``, and one left from before that rule cannot capture another account's email logins.
    """
    key = canonical(identifier)
    if by_email or "@" in key:
        return User.objects.filter(email_canonical=key).first()
    return User.objects.filter(username_canonical=key).first()


def may_log_in(user: User) -> bool:
    return user.is_active and user.deleted_at is None


@dataclass(frozen=True)
class _Outcome:
    user: User | None = None
    retry_after: int = 0


def _address(request: Any) -> str:
    return throttling.client_address(request) if request is not None else ""


def check(
    *,
    request: HttpRequest | Any,
    password: str,
    identifier: str = "",
    by_email: bool = False,
    account: User | None = None,
) -> User | None:
    """The account when ``password`` is its password and it may log in, else ``None``.

    Names the account by ``identifier`` (username or email) or passes it as ``account``. Raises
    :class:`TooManyAttempts` while the account or the address is over the limit, whatever the
    password. The failure row must outlive the caller's error, so the check commits on its own.
    """
    outcome = _attempt(
        identifier=identifier, password=password, address=_address(request), by_email=by_email, account=account
    )
    if outcome.retry_after:
        raise TooManyAttempts(wait=outcome.retry_after)
    return outcome.user


@transaction.atomic
def _attempt(*, identifier: str, password: str, address: str, by_email: bool, account: User | None) -> _Outcome:
    user = account if account is not None else find_account(identifier, by_email=by_email)
    account_key = f"user:{user.pk}" if user is not None else f"name:{canonical(identifier)}"[:255]
    # Held while the password is checked, so concurrent wrong attempts from any number of
    # processes cannot exceed the limit.
    throttling.lock_keys(f"account:{account_key}", *([f"address:{address}"] if address else []))
    wait = throttling.retry_after(account_key=account_key, address=address)
    if wait:
        return _Outcome(retry_after=wait)
    if user is None:
        # Hash anyway, so the answer takes as long as for a real account.
        User().set_password(password)
        valid = False
    else:
        valid = user.check_password(password) and may_log_in(user)
    if not valid or user is None:
        throttling.record_failure(account_key=account_key, address=address)
        return _Outcome()
    throttling.forget_failures(account_key=account_key, address=address)
    return _Outcome(user=user)


class ThrottledModelBackend(ModelBackend):
    """Django's model backend with every password check going through :func:`check`.

    Credentials: ``username`` (which may hold an email, as at the admin login and the API's form
    login), ``email``, or ``account`` (a user whose current password is being confirmed).
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        *,
        email: str | None = None,
        account: User | None = None,
        **kwargs: Any,
    ) -> User | None:
        username = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if password is None:
            return None
        if account is not None:
            return check(request=request, password=password, account=account)
        if username:
            return check(request=request, password=password, identifier=username)
        if email:
            return check(request=request, password=password, identifier=email, by_email=True)
        return None
