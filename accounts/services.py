"""Writes of the accounts app: registration, profile and role changes, passwords, login.

Every function is keyword-only, runs in one transaction and records its audit event there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import update_last_login
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework_simplejwt.settings import api_settings

from accounts import throttling, tokens
from accounts.models import Role, User
from accounts.roles import sync_role
from accounts.serializers import user_representation
from core.etag import ensure_version
from core.exceptions import ApplicationError, Conflict, NotFound, PermissionDeniedError, ValidationFailed
from events.services import diff, record

__all__ = [
    "InvalidCredentials",
    "change_password",
    "check_privileged_fields",
    "create_user",
    "delete_user",
    "login",
    "sync_role",
    "update_user",
]

ENTITY = "user"
PRIVILEGED_FIELDS = ("role", "is_active", "id", "date_joined")
_UNIQUE_FIELDS = {
    "accounts_user_email_ci_unique": "email",
    "accounts_user_username_ci_unique": "username",
    "accounts_user_username_key": "username",
}


class InvalidCredentials(ApplicationError):
    status_code = 401
    code = "invalid_credentials"
    default_detail = gettext_lazy("Invalid credentials")

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        # Every 401 names the scheme to use (RFC 9110 §11.6.1), a failed login included.
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="api"'})
        super().__init__(detail, **kwargs)


# --- helpers ---------------------------------------------------------------------------------------
_DUPLICATE_MESSAGES = {
    "email": gettext_lazy("A user with this email already exists."),
    "username": gettext_lazy("A user with this username already exists."),
}


def _duplicate(field: str) -> dict[str, str]:
    return {"field": field, "message": str(_DUPLICATE_MESSAGES[field]), "code": "unique"}


def _conflict(fields: list[str]) -> Conflict:
    errors = [_duplicate(field) for field in fields]
    return Conflict(f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)


def _ensure_unique(*, email: str | None, username: str | None, exclude_pk: int | None = None) -> None:
    """Friendly 409 before the insert; the database constraints still decide under concurrency."""
    taken = []
    others = User.objects.exclude(pk=exclude_pk) if exclude_pk else User.objects.all()
    if email is not None and others.filter(email__iexact=email).exists():
        taken.append("email")
    if username is not None and others.filter(username__iexact=username).exists():
        taken.append("username")
    if taken:
        raise _conflict(taken)


def _conflict_from_integrity(exc: IntegrityError) -> Conflict | None:
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    field = _UNIQUE_FIELDS.get(constraint or "")
    return _conflict([field]) if field else None


def _save(user: User, **kwargs: Any) -> None:
    """Save in a savepoint so a unique violation becomes a 409 naming the field."""
    try:
        with transaction.atomic():
            user.save(**kwargs)
    except IntegrityError as exc:
        conflict = _conflict_from_integrity(exc)
        if conflict is None:
            raise
        raise conflict from None


def _locked(user_id: int) -> User:
    user = User.objects.select_for_update().filter(pk=user_id, deleted_at__isnull=True).first()
    if user is None:
        raise NotFound.for_resource("User")
    return user


def _same_value(field: str, sent: Any, current: Any) -> bool:
    """Whether a privileged value sent by a non-admin merely echoes the current one."""
    if sent is None:
        return current is None
    try:
        if field == "is_active":
            return serializers.BooleanField().to_internal_value(sent) == current
        if field == "id":
            return current is not None and int(sent) == current and not isinstance(sent, bool)
        if field == "date_joined":
            parsed: datetime = serializers.DateTimeField().to_internal_value(sent)
            return current is not None and parsed == current
    except (serializers.ValidationError, TypeError, ValueError):
        return False
    return sent == current


# --- role rules ------------------------------------------------------------------------------------
def check_privileged_fields(*, actor: Any, data: Mapping[str, Any], current: User | None) -> None:
    """403 when a non-admin sends ``role``/``is_active``/``id``/``date_joined`` with a new value.

    ``current`` is the account being changed, or ``None`` on registration, where the defaults
    (citizen, active, no id or date yet) are what an echo would look like.
    """
    if getattr(actor, "is_admin_role", False):
        return
    defaults = {"role": Role.CITIZEN.value, "is_active": True, "id": None, "date_joined": None}
    for field in PRIVILEGED_FIELDS:
        if field not in data:
            continue
        now = getattr(current, field) if current is not None else defaults[field]
        if not _same_value(field, data[field], now):
            raise PermissionDeniedError(_("Only an admin may change %(field)s.") % {"field": field})


# --- creation --------------------------------------------------------------------------------------
@transaction.atomic
def create_user(
    *,
    email: str,
    username: str,
    password: str,
    full_name: str = "",
    role: str = Role.CITIZEN,
    is_active: bool = True,
    language: str | None = None,
    actor: User | None = None,
) -> User:
    """Create an account (registration when ``actor`` is ``None``, else an admin creating one).

    Records the ``create`` audit event and ``user.registered`` (the welcome email hangs on it).
    ``language`` (of the user's emails) defaults to the office's.
    """
    email = User.objects.normalize_email(email)
    _ensure_unique(email=email, username=username)
    user = User(email=email, username=username, full_name=full_name, role=role, is_active=is_active)
    if language:
        user.language = language
    user.set_password(password)
    _save(user)
    sync_role(user=user)
    data = user_representation(user)
    record(
        actor=actor or user,
        entity_type=ENTITY,
        entity_id=user.pk,
        action="create",
        changes={key: [None, value] for key, value in data.items()},
        event_type="user.registered",
        data=data,
    )
    return user


# --- updates ---------------------------------------------------------------------------------------
@transaction.atomic
def update_user(
    *, actor: User, user_id: int, data: Mapping[str, Any], expected_versions: set[int] | None = None
) -> User:
    """Apply a partial update that the caller's serializer already limited to what they may change.

    A password set by an admin, a deactivation and a role change all end the account's sessions
    or re-sync its flags here, so no caller can forget to.
    """
    user = _locked(user_id)
    ensure_version(user.version, expected_versions)
    changes_in = dict(data)
    if "role" in changes_in and changes_in["role"] != user.role and not actor.is_admin_role:
        raise PermissionDeniedError(_("Only an admin may change %(field)s.") % {"field": "role"})
    password = changes_in.pop("password", None)
    if "email" in changes_in:
        changes_in["email"] = User.objects.normalize_email(changes_in["email"])
    changed = {key: value for key, value in changes_in.items() if getattr(user, key) != value}
    if not changed and password is None:
        return user
    _ensure_unique(
        email=changed.get("email"),
        username=changed.get("username"),
        exclude_pk=user.pk,
    )
    before = user_representation(user)
    old_role, was_active = user.role, user.is_active
    for key, value in changed.items():
        setattr(user, key, value)
    if password is not None:
        user.set_password(password)
    user.version += 1
    _save(user)
    if user.role != old_role:
        sync_role(user=user)
    if password is not None or (was_active and not user.is_active):
        tokens.revoke_all(user=user)
    audit = diff(before, user_representation(user))
    if password is not None:
        audit["password"] = ["***", "***"]
    record(actor=actor, entity_type=ENTITY, entity_id=user.pk, action="update", changes=audit)
    return user


@transaction.atomic
def change_password(*, user_id: int, current_password: str, new_password: str) -> User:
    """The owner changes their password; every outstanding refresh token is revoked."""
    user = _locked(user_id)
    if not user.check_password(current_password):
        raise ValidationFailed.field("current_password", _("The current password is not correct."), code="invalid")
    user.set_password(new_password)
    user.version += 1
    user.save(update_fields=["password", "version"])
    tokens.revoke_all(user=user)
    record(actor=user, entity_type=ENTITY, entity_id=user.pk, action="update", changes={"password": ["***", "***"]})
    return user


@transaction.atomic
def delete_user(*, actor: User, user_id: int, expected_versions: set[int] | None = None) -> None:
    """Soft delete: the row stays (email and username stay taken, the audit trail keeps its actor),
    the account can no longer log in and its tokens are refused."""
    user = _locked(user_id)
    ensure_version(user.version, expected_versions)
    before = user_representation(user)
    user.deleted_at = timezone.now()
    user.is_active = False
    user.version += 1
    user.save(update_fields=["deleted_at", "is_active", "version"])
    tokens.revoke_all(user=user)
    changes = diff(before, user_representation(user))
    # Timestamps in the trail read like the API's (ISO 8601 with Z).
    with timezone.override(UTC):
        changes["deleted_at"] = [None, serializers.DateTimeField().to_representation(user.deleted_at)]
    record(actor=actor, entity_type=ENTITY, entity_id=user.pk, action="delete", changes=changes)


# --- login -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Outcome:
    pair: tokens.TokenPair | None = None
    retry_after: int = 0


def _find_account(identifier: str, *, by_email: bool) -> User | None:
    """The account an identifier names: a username or an email, matched case-insensitively.

    A username wins over another account's email that happens to read the same.
    """
    if not by_email:
        user = User.objects.filter(username__iexact=identifier).first()
        if user is not None:
            return user
    return User.objects.filter(email__iexact=identifier).first()


def login(*, identifier: str, password: str, address: str, by_email: bool = False) -> tokens.TokenPair:
    """Check credentials under the login throttle and return a token pair.

    The throttle's advisory locks are held while the password is checked, so concurrent wrong
    attempts from any number of processes cannot exceed the limit. The failure row must survive
    the 401, so errors are raised only after the transaction has committed.
    """
    outcome = _attempt(identifier=identifier, password=password, address=address, by_email=by_email)
    if outcome.retry_after:
        raise Throttled(wait=outcome.retry_after)
    if outcome.pair is None:
        raise InvalidCredentials()
    return outcome.pair


@transaction.atomic
def _attempt(*, identifier: str, password: str, address: str, by_email: bool) -> _Outcome:
    user = _find_account(identifier, by_email=by_email)
    account_key = f"user:{user.pk}" if user is not None else f"name:{identifier.casefold()}"[:255]
    throttling.lock_keys(f"account:{account_key}", f"address:{address}")
    wait = throttling.retry_after(account_key=account_key, address=address)
    if wait:
        return _Outcome(retry_after=wait)
    if user is None:
        # Hash anyway, so the answer takes as long as for a real account.
        User().set_password(password)
        valid = False
    else:
        valid = user.check_password(password) and user.is_active and user.deleted_at is None
    if not valid or user is None:
        throttling.record_failure(account_key=account_key, address=address)
        return _Outcome()
    throttling.forget_failures(account_key=account_key, address=address)
    if api_settings.UPDATE_LAST_LOGIN:
        update_last_login(User, user)
    return _Outcome(pair=tokens.issue_tokens(user))
