"""Reads of the accounts app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import is_staff_user
from core.search import unaccent_search

SEARCH_FIELDS = ("email", "username", "full_name")


def users_visible_to(actor: Any) -> QuerySet[User]:
    """Accounts the caller may see: every live account for staff, only their own for a citizen.

    Soft-deleted accounts are invisible to everybody (``404 User not found``).
    """
    live = User.objects.filter(deleted_at__isnull=True)
    if is_staff_user(actor):
        return live
    if getattr(actor, "pk", None) is None:
        return live.none()
    return live.filter(pk=actor.pk)


def search_users(queryset: QuerySet[User], text: str) -> QuerySet[User]:
    """Every whitespace-separated term must appear (case- and accent-insensitively) in one field.

    Served by the trigram indexes on ``UPPER(immutable_unaccent(field))`` (see ``core.search``).
    """
    return unaccent_search(queryset, text, SEARCH_FIELDS)
