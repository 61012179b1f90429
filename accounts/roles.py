"""The "Clerks" group and the Django flags that follow a user's ``role``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import Group

if TYPE_CHECKING:
    from accounts.models import User

CLERKS_GROUP = "Clerks"


def ensure_clerks_group(*, using: str = "default") -> Group:
    """Return the "Clerks" group, creating it when missing (idempotent)."""
    group, _ = Group.objects.using(using).get_or_create(name=CLERKS_GROUP)
    return group


def sync_role(*, user: User) -> None:
    """Align ``is_staff``/``is_superuser`` and "Clerks" membership with ``user.role``.

    The flags are written by ``User.save``; the group membership is a many-to-many row, so it is
    kept here. Only clerks are members: admins are superusers and need no group permissions.
    """
    from accounts.models import Role

    expected_staff = user.role in (Role.CLERK, Role.ADMIN)
    expected_super = user.role == Role.ADMIN
    if user.is_staff != expected_staff or user.is_superuser != expected_super:
        user.save(update_fields=["role"])
    group = ensure_clerks_group(using=user._state.db or "default")
    if user.role == Role.CLERK:
        user.groups.add(group)
    else:
        user.groups.remove(group)
