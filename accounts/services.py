"""Writes of the accounts app: registration, profile and role changes, passwords, login.

Every function is keyword-only, runs in one transaction and records its audit event there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework_simplejwt.settings import api_settings

from accounts import throttling, tokens
from accounts.models import Role, User, canonical
from accounts.revocation import revoke_all
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
    "accounts_user_email_canonical_unique": "email",
    "accounts_user_username_canonical_unique": "username",
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
    if email is not None and others.filter(email_canonical=canonical(email)).exists():
        taken.append("email")
    if username is not None and others.filter(username_canonical=canonical(username)).exists():
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


# --- no lock-out ----------------------------------------------------------------------------------
ADMINS_LOCK = "accounts:active-admins"


def _is_active_admin(user: User) -> bool:
    return user.role == Role.ADMIN and user.is_active and user.deleted_at is None


_SELF_LOCKOUT = {
    "delete": gettext_lazy("You cannot delete your own account; ask another admin."),
    "deactivate": gettext_lazy("You cannot deactivate your own account; ask another admin."),
    "demote": gettext_lazy("You cannot demote your own account; ask another admin."),
}
_LAST_ADMIN = {
    "delete": gettext_lazy("The last active admin cannot be deleted; make another admin first."),
    "deactivate": gettext_lazy("The last active admin cannot be deactivated; make another admin first."),
    "demote": gettext_lazy("The last active admin cannot be demoted; make another admin first."),
}


def _ensure_no_lockout(*, actor: Any, user: User, change: str, removes_admin: bool) -> None:
    """409 when ``actor`` would lock themselves out (``change`` is "delete", "deactivate" or
    "demote") or when the change would leave no active admin.

    Changes that take an admin away are serialised on one advisory lock, so two admins demoting
    each other at once cannot both succeed: the second sees the first's committed change.
    """
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise Conflict(_SELF_LOCKOUT[change])
    if not removes_admin:
        return
    throttling.lock_keys(ADMINS_LOCK)
    others = User.objects.filter(role=Role.ADMIN, is_active=True, deleted_at__isnull=True).exclude(pk=user.pk)
    if not others.exists():
        raise Conflict(_LAST_ADMIN[change])


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
    if changed.get("is_active") is False and user.is_active:
        _ensure_no_lockout(actor=actor, user=user, change="deactivate", removes_admin=_is_active_admin(user))
    if "role" in changed and user.role == Role.ADMIN and changed["role"] != Role.ADMIN:
        _ensure_no_lockout(actor=actor, user=user, change="demote", removes_admin=_is_active_admin(user))
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
    if was_active and not user.is_active:
        revoke_all(user=user)  # a new password does this in User.save
    audit = diff(before, user_representation(user))
    if password is not None:
        audit["password"] = ["***", "***"]
    record(actor=actor, entity_type=ENTITY, entity_id=user.pk, action="update", changes=audit)
    return user


def change_password(*, request: Any, user_id: int, current_password: str, new_password: str) -> User:
    """The owner changes their password; every outstanding refresh token is revoked.

    The current password is confirmed through ``authenticate()``, so guessing it here counts
    against the same throttle as the logins (and a wrong guess is recorded before the ``422``).
    """
    owner = User.objects.filter(pk=user_id, deleted_at__isnull=True).first()
    if owner is None:
        raise NotFound.for_resource("User")
    if authenticate(request, account=owner, password=current_password) is None:
        raise ValidationFailed.field("current_password", _("The current password is not correct."), code="invalid")
    return _set_own_password(user_id=user_id, new_password=new_password)


@transaction.atomic
def _set_own_password(*, user_id: int, new_password: str) -> User:
    user = _locked(user_id)
    user.set_password(new_password)
    user.version += 1
    user.save(update_fields=["password", "version"])  # revokes every refresh token (User.save)
    record(actor=user, entity_type=ENTITY, entity_id=user.pk, action="update", changes={"password": ["***", "***"]})
    return user


@transaction.atomic
def delete_user(*, actor: User, user_id: int, expected_versions: set[int] | None = None) -> None:
    """Soft delete: the row stays (email and username stay taken, the audit trail keeps its actor),
    the account can no longer log in and its tokens are refused."""
    user = _locked(user_id)
    ensure_version(user.version, expected_versions)
    _ensure_no_lockout(actor=actor, user=user, change="delete", removes_admin=_is_active_admin(user))
    before = user_representation(user)
    user.deleted_at = timezone.now()
    user.is_active = False
    user.version += 1
    user.save(update_fields=["deleted_at", "is_active", "version"])
    revoke_all(user=user)
    changes = diff(before, user_representation(user))
    # Timestamps in the trail read like the API's (ISO 8601 with Z).
    with timezone.override(UTC):
        changes["deleted_at"] = [None, serializers.DateTimeField().to_representation(user.deleted_at)]
    record(actor=actor, entity_type=ENTITY, entity_id=user.pk, action="delete", changes=changes)


# --- login -----------------------------------------------------------------------------------------
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
