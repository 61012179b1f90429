"""Admin screens that only show: rows written elsewhere (the API, the services, the outbox)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class NoWrites:
    """No add, change or delete permission to grant, superusers included."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(NoWrites, admin.ModelAdmin):
    """Look, never touch, whoever asks."""


class ReadOnlyInline(NoWrites, admin.TabularInline):
    """A read-only table of a row's children: no add, change or delete, no empty extra rows."""

    extra = 0
    can_delete = False
    show_change_link = False


class ActionsOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through admin actions (which call the services): no add, no delete,
    and saving the change form writes nothing; "change" is the permission to run the actions."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        return None
