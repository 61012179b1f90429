"""Reads shared by the expedientes views: querysets scoped to what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.permissions import is_staff_user
from core.search import document_search
from events.models import AuditEvent
from expedientes.models import Documento, Expediente


def expedientes_visible_to(user: Any) -> QuerySet[Expediente]:
    """Citizens see their own expedientes, staff see all."""
    queryset = Expediente.objects.all()
    if not is_staff_user(user):
        queryset = queryset.filter(owner_id=user.pk)
    return queryset


def search_expedientes(queryset: QuerySet[Expediente], text: str) -> QuerySet[Expediente]:
    """Every whitespace-separated term must appear (case- and accent-insensitively) in the numero,
    the solicitante or the concepto.

    Served by the trigram index on the stored ``search_document`` (see ``core.search``). A term of
    short words only (a numero's prefix, ``EXP-2024-05``) reads the newest rows and the planner's
    statistics while the queryset is built, to choose how its page is found (``RareContains``).
    """
    return document_search(queryset, text, "search_document")


def documentos_of(expediente: Expediente) -> QuerySet[Documento]:
    return Documento.objects.filter(expediente=expediente)


def history_of(expediente: Expediente) -> QuerySet[AuditEvent]:
    """The expediente's audit trail, oldest first."""
    return AuditEvent.objects.filter(entity_type="expediente", entity_id=str(expediente.pk)).order_by(
        "created_at", "id"
    )
