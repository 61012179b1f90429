"""Roles, the "Clerks" group and the Django flags that follow a user's ``role``.

Below ``accounts.models`` (whose ``User`` has a ``role`` and whose manager syncs it here), so this
module knows a user only by the few attributes ``sync_role`` reads and writes.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    CLERK = "clerk", _("Clerk")
    ADMIN = "admin", _("Admin")


STAFF_ROLES = frozenset({Role.CLERK, Role.ADMIN})


class Member(Protocol):
    """What ``sync_role`` needs of a user (``accounts.models.User``)."""

    @property
    def role(self) -> str: ...

    @property
    def is_staff(self) -> bool: ...

    @property
    def is_superuser(self) -> bool: ...

    @property
    def groups(self) -> Any: ...

    @property
    def _state(self) -> Any: ...

    def save(self, *args: Any, **kwargs: Any) -> None: ...


CLERKS_GROUP = "Clerks"

# Exactly what a clerk needs in the admin, as (app_label, codename). Workflow steps, assignment and
# retries are "change"; audit, events, payments and users are look-only; nothing is deletable.
# Permissions whose models do not exist (yet) are skipped, and picked up by the next ``migrate``.
CLERK_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("accounts", "view_user"),
    ("expedientes", "view_expediente"),
    ("expedientes", "add_expediente"),
    ("expedientes", "change_expediente"),
    ("expedientes", "view_documento"),
    ("orders", "view_category"),
    ("orders", "add_category"),
    ("orders", "change_category"),
    ("orders", "view_product"),
    ("orders", "add_product"),
    ("orders", "change_product"),
    ("orders", "view_order"),
    ("orders", "change_order"),
    ("orders", "view_orderitem"),
    ("orders", "view_payment"),
    ("orders", "change_payment"),
    ("events", "view_event"),
    ("events", "view_auditevent"),
    ("events", "view_webhookendpoint"),
    ("events", "change_webhookendpoint"),
    ("events", "view_webhookdelivery"),
    ("events", "change_webhookdelivery"),
    ("events", "view_webhookattempt"),
    ("events", "view_emailmessage"),
)


def ensure_clerks_group(*, using: str = "default") -> Group:
    """Return the "Clerks" group, creating it when missing (idempotent)."""
    group, _ = Group.objects.using(using).get_or_create(name=CLERKS_GROUP)
    return group


def sync_clerks_permissions(*, using: str = "default") -> Group:
    """Give the "Clerks" group exactly :data:`CLERK_PERMISSIONS` (those that exist), idempotently.

    ``set`` also takes away anything granted by hand, so the group cannot drift from this list.
    """
    group = ensure_clerks_group(using=using)
    wanted = Q()
    for app_label, codename in CLERK_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.set(Permission.objects.using(using).filter(wanted))
    return group


def sync_role(*, user: Member, created: bool = False) -> None:
    """Align ``is_staff``/``is_superuser`` and "Clerks" membership with ``user.role``.

    The flags are written by ``User.save``; the group membership is a many-to-many row, so it is
    kept here. Only clerks are members: admins are superusers and need no group permissions. A user
    ``created`` a moment ago belongs to no group yet, so only a clerk needs a write.
    """
    expected_staff = user.role in (Role.CLERK, Role.ADMIN)
    expected_super = user.role == Role.ADMIN
    if user.is_staff != expected_staff or user.is_superuser != expected_super:
        user.save(update_fields=["role"])
    if user.role == Role.CLERK:
        user.groups.add(ensure_clerks_group(using=user._state.db or "default"))
    elif not created:
        user.groups.remove(*user.groups.filter(name=CLERKS_GROUP))
