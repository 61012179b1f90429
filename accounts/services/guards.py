"""The checks of account writes: unique email and username (409), no lock-out of the last admin or
of oneself (409), privileged fields only for admins (403)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from accounts import throttling
from accounts.models import Role, User, canonical
from core.exceptions import Conflict, PermissionDeniedError
from core.versioned_writes import lock_versioned

PRIVILEGED_FIELDS = ("role", "is_active", "id", "date_joined")
_UNIQUE_FIELDS = {
    "accounts_user_email_canonical_unique": "email",
    "accounts_user_username_canonical_unique": "username",
    "accounts_user_username_key": "username",
}


# --- uniqueness ---------------------------------------------------------------------------------------
_DUPLICATE_MESSAGES = {
    "email": gettext_lazy("A user with this email already exists."),
    "username": gettext_lazy("A user with this username already exists."),
}


def _duplicate(field: str) -> dict[str, str]:
    return {"field": field, "message": str(_DUPLICATE_MESSAGES[field]), "code": "unique"}


def _conflict(fields: list[str]) -> Conflict:
    errors = [_duplicate(field) for field in fields]
    return Conflict(f"{errors[0]['field']}: {errors[0]['message']}", errors=errors)


def ensure_unique(*, email: str | None, username: str | None, exclude_pk: int | None = None) -> None:
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


def save_unique(user: User, **kwargs: Any) -> None:
    """Save in a savepoint so a unique violation becomes a 409 naming the field."""
    try:
        with transaction.atomic():
            user.save(**kwargs)
    except IntegrityError as exc:
        conflict = _conflict_from_integrity(exc)
        if conflict is None:
            raise
        raise conflict from None


def locked(user_id: int, expected_versions: set[int] | None = None) -> User:
    """The live account under its row lock, its version checked against ``If-Match``."""
    return lock_versioned(
        User.objects.filter(deleted_at__isnull=True), user_id, resource="User", expected_versions=expected_versions
    )


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


def is_active_admin(user: User) -> bool:
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


def ensure_no_lockout(*, actor: Any, user: User, change: str, removes_admin: bool) -> None:
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
def check_privileged_fields(*, actor: Any, fields: Mapping[str, Any], current: User | None) -> None:
    """403 when a non-admin sends ``role``/``is_active``/``id``/``date_joined`` with a new value.

    ``current`` is the account being changed, or ``None`` on registration, where the defaults
    (citizen, active, no id or date yet) are what an echo would look like.
    """
    if getattr(actor, "is_admin_role", False):
        return
    defaults = {"role": Role.CITIZEN.value, "is_active": True, "id": None, "date_joined": None}
    for field in PRIVILEGED_FIELDS:
        if field not in fields:
            continue
        now = getattr(current, field) if current is not None else defaults[field]
        if not _same_value(field, fields[field], now):
            raise PermissionDeniedError(_("Only an admin may change %(field)s.") % {"field": field})
