"""The admin's exports, audited: every CSV/XLSX taken out of a changelist leaves an ``export`` row
in the audit trail (who, which list, which filters, which columns) before the first byte is sent."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest

from core.exports import Column, ExportMixin
from events import services


class AuditedExportMixin(ExportMixin):
    export_entity_type: str = ""

    def record_export(self, request: HttpRequest, fmt: str, query: str, columns: Sequence[Column]) -> None:
        services.record_export(
            actor=request.user,
            entity_type=self.export_entity_type or str(self.opts.model_name),
            fmt=fmt,
            query=query,
            columns=[column.path for column in columns],
        )
