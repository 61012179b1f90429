"""Role permissions shared by every app (docs/api-guide.md#roles)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


def is_staff_user(user: Any) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "is_staff_role", False))


def is_admin_user(user: Any) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "is_admin_role", False))


class IsStaff(BasePermission):
    """Clerks and admins: whole endpoints a citizen may not use (403)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_staff_user(request.user)


class IsAdmin(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return is_admin_user(request.user)


class StaffWritesPublicReads(BasePermission):
    """Anyone may read; only staff may write (the catalog)."""

    anonymous_reads = True  # the schema marks these reads as needing no token

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return is_staff_user(request.user)
