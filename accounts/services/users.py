"""Writes of the accounts app: registration, profile and role changes, passwords.

Every function is keyword-only, runs in one transaction and records its audit event there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.models import Role, User
from accounts.payloads import user_payload
from accounts.revocation import revoke_all
from accounts.roles import sync_role
from accounts.services.guards import ensure_no_lockout, ensure_unique, is_active_admin, locked, save_unique
from core.exceptions import NotFound, PermissionDeniedError, ValidationFailed
from core.versioned_writes import save_versioned
from events.services import record

ENTITY = "user"


# --- creation ----------------------------------------------------------------------------------------
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
    ensure_unique(email=email, username=username)
    user = User(email=email, username=username, full_name=full_name, role=role, is_active=is_active)
    if language:
        user.language = language
    user.set_password(password)
    save_unique(user)
    sync_role(user=user)
    data = user_payload(user)
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


# --- updates -----------------------------------------------------------------------------------------
@transaction.atomic
def update_user(
    *, actor: User, user_id: int, fields: Mapping[str, Any], expected_versions: set[int] | None = None
) -> User:
    """Apply a partial update that the caller's serializer already limited to what they may change.

    A password set by an admin, a deactivation and a role change all end the account's sessions
    or re-sync its flags here, so no caller can forget to.
    """
    user = locked(user_id, expected_versions)
    changes_in = dict(fields)
    if "role" in changes_in and changes_in["role"] != user.role and not actor.is_admin_role:
        raise PermissionDeniedError(_("Only an admin may change %(field)s.") % {"field": "role"})
    password = changes_in.pop("password", None)
    if "email" in changes_in:
        changes_in["email"] = User.objects.normalize_email(changes_in["email"])
    changed = {key: value for key, value in changes_in.items() if getattr(user, key) != value}
    if not changed and password is None:
        return user
    ensure_unique(
        email=changed.get("email"),
        username=changed.get("username"),
        exclude_pk=user.pk,
    )
    if changed.get("is_active") is False and user.is_active:
        ensure_no_lockout(actor=actor, user=user, change="deactivate", removes_admin=is_active_admin(user))
    if "role" in changed and user.role == Role.ADMIN and changed["role"] != Role.ADMIN:
        ensure_no_lockout(actor=actor, user=user, change="demote", removes_admin=is_active_admin(user))
    old_role, was_active = user.role, user.is_active
    if password is not None:
        user.set_password(password)  # not in the payload: written because of force
    audit = save_versioned(user, changed, represent=user_payload, save=save_unique, force=True)
    if user.role != old_role:
        sync_role(user=user)
    if was_active and not user.is_active:
        revoke_all(user=user)  # a new password does this in User.save
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
    user = locked(user_id)
    user.set_password(new_password)
    user.version += 1
    user.save(update_fields=["password", "version"])  # revokes every refresh token (User.save)
    record(actor=user, entity_type=ENTITY, entity_id=user.pk, action="update", changes={"password": ["***", "***"]})
    return user


def _save_deletion(user: User) -> None:
    user.save(update_fields=["deleted_at", "is_active", "version"])


@transaction.atomic
def delete_user(*, actor: User, user_id: int, expected_versions: set[int] | None = None) -> None:
    """Soft delete: the row stays (email and username stay taken, the audit trail keeps its actor),
    the account can no longer log in and its tokens are refused."""
    user = locked(user_id, expected_versions)
    ensure_no_lockout(actor=actor, user=user, change="delete", removes_admin=is_active_admin(user))
    changes = save_versioned(
        user,
        {"deleted_at": timezone.now(), "is_active": False},
        represent=user_payload,
        save=_save_deletion,
        force=True,
    )
    revoke_all(user=user)
    # Timestamps in the trail read like the API's (ISO 8601 with Z).
    with timezone.override(UTC):
        changes["deleted_at"] = [None, serializers.DateTimeField().to_representation(user.deleted_at)]
    record(actor=actor, entity_type=ENTITY, entity_id=user.pk, action="delete", changes=changes)
