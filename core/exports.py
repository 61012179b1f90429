"""Exports of a list as CSV or XLSX, streamed so a million rows never sit in memory.

Rows come from the database through a server-side cursor (``QuerySet.iterator``) a chunk at a
time. CSV is written and sent as it goes. XLSX is a zip archive, so it cannot be sent before it is
complete: ``xlsxwriter`` in ``constant_memory`` mode keeps one row in memory and writes the sheet
to a temporary file, the archive is built in a spooled temporary file (on disk past a few MiB) and
then sent in chunks. Either way the process' memory stays flat whatever the number of rows.

Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) is prefixed with an apostrophe in CSV, and written as a string, never a formula,
in XLSX. Times are UTC.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import counts

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK_ROWS = 2_000
SEND_BYTES = 64 * 1024
SPOOL_BYTES = 4 * 1024 * 1024
XLSX_MAX_ROWS = 1_048_576  # per sheet, the header included
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One exported column: its header and the ``values_list`` path (a field, a relation's field
    or an annotation of the changelist's queryset)."""

    header: Any
    path: str
    width: int = 16
    convert: Callable[[Any], Any] | None = field(default=None, compare=False)


def rows_of(queryset: QuerySet, columns: Sequence[Column], chunk: int = CHUNK_ROWS) -> Iterator[tuple[Any, ...]]:
    converters = [column.convert for column in columns]
    for row in queryset.values_list(*(column.path for column in columns)).iterator(chunk_size=chunk):
        yield tuple(convert(value) if convert else value for convert, value in zip(converters, row, strict=True))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date | Decimal | int | float):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_stream(headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (so spreadsheets read the accents), one chunk per ~64 KiB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([str(header) for header in headers])
    for row in rows:
        writer.writerow([_text(value) for value in row])
        if buffer.tell() >= SEND_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def xlsx_stream(
    headers: Sequence[Any], rows: Iterable[Sequence[Any]], sheet: str, widths: Sequence[int] = ()
) -> Iterator[bytes]:
    """One or more sheets (a sheet holds 1,048,575 rows under its header), built then sent in chunks."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as out:
        workbook = xlsxwriter.Workbook(
            out,
            {
                "constant_memory": True,
                "remove_timezone": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        bold = workbook.add_format({"bold": True})
        when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        worksheet = None
        row_number = XLSX_MAX_ROWS
        sheets = 0
        for row in rows:
            if row_number >= XLSX_MAX_ROWS:
                sheets += 1
                worksheet = workbook.add_worksheet(sheet[:28] if sheets == 1 else f"{sheet[:24]} ({sheets})")
                for index, header in enumerate(headers):
                    worksheet.write_string(0, index, str(header), bold)
                    worksheet.set_column(index, index, widths[index] if index < len(widths) else 16)
                worksheet.freeze_panes(1, 0)
                row_number = 1
            for index, value in enumerate(row):
                _cell(worksheet, row_number, index, value, when, day)
            row_number += 1
        if worksheet is None:  # no rows: the header alone
            worksheet = workbook.add_worksheet(sheet[:28])
            for index, header in enumerate(headers):
                worksheet.write_string(0, index, str(header), bold)
        workbook.close()
        out.seek(0)
        while chunk := out.read(SEND_BYTES):
            yield chunk


def _cell(worksheet: Any, row: int, col: int, value: Any, when: Any, day: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        worksheet.write_number(row, col, float(value))
    elif isinstance(value, datetime):
        worksheet.write_datetime(row, col, value.astimezone(UTC), when)
    elif isinstance(value, date):
        worksheet.write_datetime(row, col, datetime(value.year, value.month, value.day), day)
    elif isinstance(value, dict | list):
        worksheet.write_string(row, col, json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    else:
        worksheet.write_string(row, col, str(value))


class ExportMixin(admin.ModelAdmin):
    """ "Export CSV" and "Export XLSX" on a changelist: the rows the list shows with its current
    filters, search and ordering (every page), limited to the admin's queryset for this user.

    Subclasses list ``export_columns`` and say how an export is recorded (``record_export``)."""

    export_columns: Sequence[Column] = ()
    change_list_template = "admin/export_change_list.html"

    def record_export(self, request: HttpRequest, fmt: str, query: str, columns: Sequence[Column]) -> None:
        raise NotImplementedError

    def get_urls(self) -> list[Any]:
        info = (self.opts.app_label, self.opts.model_name)
        return [
            path(
                "export/<str:fmt>/",
                self.admin_site.admin_view(self.export_view),
                name="{}_{}_export".format(*info),
            ),
            *super().get_urls(),
        ]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> Any:
        changelist_class = super().get_changelist(request, **kwargs)
        if not getattr(request, "_export_unpaged", False):
            return changelist_class

        class Unpaged(changelist_class):  # type: ignore[valid-type,misc]
            def get_results(self, request: HttpRequest) -> None:
                return None  # an export reads every row itself: no count, no page

        return Unpaged

    def export_queryset(self, request: HttpRequest) -> QuerySet:
        """The changelist's queryset (filters, search, ordering) without counting or paging it."""
        request._export_unpaged = True  # type: ignore[attr-defined]
        return self.get_changelist_instance(request).queryset

    def export_view(self, request: HttpRequest, fmt: str) -> Any:
        if fmt not in FORMATS:
            raise Http404(_("Unknown export format"))
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            queryset = self.export_queryset(request)
        except IncorrectLookupParameters:
            info = (self.opts.app_label, self.opts.model_name)
            return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)) + "?e=1")
        if fmt == "xlsx":
            # An XLSX is sent once complete: past this many rows it would outlast the server's
            # request timeout. CSV streams as it goes and has no such limit.
            total = counts.count(queryset)
            if total > settings.EXPORT_XLSX_MAX_ROWS:
                self.message_user(
                    request,
                    _("%(rows)s rows are too many for XLSX (at most %(limit)s): narrow the filters or export CSV.")
                    % {"rows": f"{total:,}", "limit": f"{settings.EXPORT_XLSX_MAX_ROWS:,}"},
                    messages.ERROR,
                )
                info = (self.opts.app_label, self.opts.model_name)
                query = request.GET.urlencode()
                return HttpResponseRedirect(
                    reverse("admin:{}_{}_changelist".format(*info)) + (f"?{query}" if query else "")
                )
        columns = list(self.export_columns)
        self.record_export(request, fmt, request.GET.urlencode(), columns)
        headers = [column.header for column in columns]
        rows = rows_of(queryset, columns)
        name = str(self.opts.verbose_name_plural).replace(" ", "-")
        if fmt == "csv":
            stream = csv_stream(headers, rows)
        else:
            stream = xlsx_stream(headers, rows, sheet=name, widths=[column.width for column in columns])
        response = StreamingHttpResponse(stream, content_type=FORMATS[fmt])
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
