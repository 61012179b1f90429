"""Reads shared by the expedientes views: querysets scoped to what the caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Func, IntegerField, OuterRef, QuerySet, Subquery

from accounts.permissions import is_staff_user
from core.search import unaccent_search
from events.models import AuditEvent
from expedientes.models import Documento, Expediente

SEARCH_FIELDS = ("numero", "solicitante", "concepto")


def documentos_count() -> Subquery:
    """``COUNT`` per row as a correlated subquery.

    A ``Count`` over the join would GROUP BY the whole (filtered) table before the page is cut, so a
    page, even in cursor mode, would cost O(table). ``Func(COUNT)`` is not seen as an aggregate by the
    ORM, so the subquery has no GROUP BY and always yields one row (0 when there are none).
    """
    counts = (
        Documento.objects.filter(expediente=OuterRef("pk"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return Subquery(counts, output_field=IntegerField())


def expedientes_visible_to(user: Any) -> QuerySet[Expediente]:
    """Citizens see their own expedientes, staff see all; ``documentos_count`` comes annotated."""
    queryset = Expediente.objects.all()
    if not is_staff_user(user):
        queryset = queryset.filter(owner_id=user.pk)
    return queryset.annotate(documentos_count=documentos_count())


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
