"""Reads shared by the expedientes views: querysets scoped to what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.permissions import is_staff_user
from core.search import unaccent_search
from events.models import AuditEvent
from expedientes.models import Documento, Expediente

SEARCH_FIELDS = ("numero", "solicitante", "concepto")


def expedientes_visible_to(user: Any) -> QuerySet[Expediente]:
    """Citizens see their own expedientes, staff see all."""
    queryset = Expediente.objects.all()
    if not is_staff_user(user):
        queryset = queryset.filter(owner_id=user.pk)
    return queryset


def search_expedientes(
    queryset: QuerySet[Expediente], text: str, fields: tuple[str, ...] = SEARCH_FIELDS
) -> QuerySet[Expediente]:
    """Every whitespace-separated term must appear (case- and accent-insensitively) in one field.

    Served by the trigram indexes on ``UPPER(immutable_unaccent(field))`` (see ``core.search``).
    """
    return unaccent_search(queryset, text, fields)


def documentos_of(expediente: Expediente) -> QuerySet[Documento]:
    return Documento.objects.filter(expediente=expediente)


def history_of(expediente: Expediente) -> QuerySet[AuditEvent]:
    """The expediente's audit trail, oldest first."""
    return AuditEvent.objects.filter(entity_type="expediente", entity_id=str(expediente.pk)).order_by(
        "created_at", "id"
    )
