"""Staff-only access for the whole events API (docs/api-guide.md#roles: citizens get 403 on every URL here).

``events`` may not import ``accounts`` (import-linter), so it reads the role flag the user
model exposes instead of reusing ``accounts.permissions.IsStaff``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IsStaffRole(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_staff_role", user.is_staff))
