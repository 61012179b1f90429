"""Writes of the accounts app: registration, profile and role changes, passwords, login.

Every function is keyword-only, runs in one transaction and records its audit event there.
"""

from accounts.roles import sync_role
from accounts.services.guards import check_privileged_fields
from accounts.services.login import InvalidCredentials, login
from accounts.services.users import change_password, create_user, delete_user, update_user

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
