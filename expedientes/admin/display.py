"""How expedientes read in the admin: the estado badge, the assignee filter and the history rows."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import STAFF_ROLES
from core.adminkit import choice_badge, register_colours
from events.models import AuditEvent
from expedientes.models import Estado, Expediente

ESTADO_COLOURS: dict[str, str] = {
    Estado.INICIADO: "#6c757d",
    Estado.EN_REVISION: "#0d6efd",
    Estado.REQUIERE_SUBSANACION: "#b35900",
    Estado.APROBADO: "#198754",
    Estado.RECHAZADO: "#dc3545",
    Estado.ARCHIVADO: "#343a40",
}
register_colours(ESTADO_COLOURS.values())


def estado_badge(estado: str) -> str:
    """The estado as a coloured pill (white on the estado's colour)."""
    return choice_badge("estado", Estado, estado, ESTADO_COLOURS)


class AssigneeFilter(admin.SimpleListFilter):
    """Me, nobody, or one of the staff: the only people an expediente can be assigned to."""

    title = gettext_lazy("assignee")
    parameter_name = "assignee"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        staff = get_user_model().objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("username")
        return [
            ("me", _("Assigned to me")),
            ("none", _("Unassigned")),
            *((str(pk), username) for pk, username in staff.values_list("pk", "username")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Expediente]) -> QuerySet[Expediente]:
        value = self.value()
        if value == "me":
            return queryset.filter(assigned_to_id=request.user.pk)
        if value == "none":
            return queryset.filter(assigned_to__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assigned_to_id=int(value))
        return queryset


def _field_label(field: str) -> str:
    """A recorded field by its name in the active language (``estado`` reads ``status`` in English)."""
    try:
        return str(getattr(Expediente._meta.get_field(field), "verbose_name", field))
    except FieldDoesNotExist:
        return field


def _shown(field: str, value: Any) -> Any:
    """An estado in the history reads as its label; every other value as recorded."""
    if field == "estado" and value in Estado.values:
        return Estado(value).label
    return value


def history_row(event: AuditEvent, names: dict[int, str]) -> dict[str, Any]:
    changes = event.changes or {}
    if event.actor_id is None:
        actor = _("system")
    else:
        actor = names.get(event.actor_id) or _("user #%(id)s") % {"id": event.actor_id}
    return {
        "at": event.created_at,
        "actor": actor,
        "action": event.action,
        "action_label": AuditEvent.Action(event.action).label
        if event.action in AuditEvent.Action.values
        else event.action,
        "changes": [
            {"field": _field_label(field), "old": _shown(field, value[0]), "new": _shown(field, value[1])}
            if isinstance(value, list) and len(value) == 2
            else {"field": _field_label(field), "old": None, "new": _shown(field, value)}
            for field, value in changes.items()
        ],
    }
