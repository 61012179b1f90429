"""Pagination of every list: page mode (exact total) and keyset cursor mode (constant time).

``?page=&per_page=`` answers ``{data, total, page, per_page, has_next, has_previous}``; the
total comes from ``core.counts``: the counters the database keeps when they cover the list's
filters (no table scan), else a count cached per version of the table (a search).
``?cursor=`` (empty for the first page) answers ``{data, per_page, has_next, next_cursor}``;
cursors are signed, so a tampered one is a ``422`` and never reaches the database.
"""

from __future__ import annotations

import datetime
import decimal
import re
from typing import Any

from django.core import signing
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from core import counts
from core.expressions import RowComparison
from core.filters import ordering_of
from core.values import fetch_rows, values_plan

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
_CURSOR_SALT = "core.pagination.cursor"
_INTEGER = re.compile(r"-?[0-9]+")
# The longest value a cursor carries (a timestamp, an id, a name of the ordering column).
_MAX_CURSOR_VALUE = 1000
# The annotation that carries a page's total (``counts.probe``); no serializer reads it.
_TOTAL = "_page_total"
# Past this offset the total is read first: a page past the end then costs no walk of the list (an
# OFFSET walks every row it skips), and a deep page's extra round trip is small beside its OFFSET.
_CARRY_UP_TO_OFFSET = 10 * MAX_PER_PAGE


def _positive_int(request: Request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        # int() also reads "١", " 2 " and "1_0"; the contract's integers are plain ASCII digits.
        if not _INTEGER.fullmatch(raw):
            raise ValueError(raw)
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({name: [_("A valid integer is required.")]}, code="invalid") from None
    if value < 1:
        raise ValidationError({name: [_("Must be at least 1, got %(value)d.") % {"value": value}]}, code="min_value")
    if maximum is not None and value > maximum:
        raise ValidationError(
            {name: [_("Must be at most %(maximum)d, got %(value)d.") % {"maximum": maximum, "value": value}]},
            code="max_value",
        )
    return value


class Pagination(BasePagination):
    """Both modes of docs/api-guide.md#pagination; a view chooses nothing, the query string does."""

    def __init__(self) -> None:
        self.mode = "page"
        self.page = 1
        self.per_page = DEFAULT_PER_PAGE
        self.total: int | None = None
        self.has_next = False
        self.next_cursor: str | None = None

    # --- DRF interface ----------------------------------------------------------------------
    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Any]:
        self.per_page = _positive_int(request, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
        self.page = _positive_int(request, "page", 1)  # checked in cursor mode too, where it means nothing
        if "cursor" in request.query_params:
            self.mode = "cursor"
            return self._paginate_cursor(queryset, request, view)
        offset = (self.page - 1) * self.per_page
        rows, self.total = self._page(queryset, view, offset)
        self.has_next = offset + len(rows) < self.total
        return rows

    def _page(self, queryset: QuerySet, view: Any, offset: int) -> tuple[list[Any], int]:
        """The page's rows and its list's exact total: carried by the page's own statement when the
        counters or the count cache can give it (``counts.probe``); told by the page itself when it is
        the last one (fewer rows than ``per_page``: the total is the offset plus those rows, the
        OFFSET having skipped exactly ``offset`` rows) or the list is empty; else counted apart."""
        window = slice(offset, offset + self.per_page)
        rows: list[Any] = []
        if offset < _CARRY_UP_TO_OFFSET:
            probe = counts.probe(queryset)
            page = queryset if probe is None else queryset.annotate(**{_TOTAL: probe.expression})
            rows = self._fetch(page[window], view)
            if 0 < len(rows) < self.per_page or (not rows and offset == 0):
                return rows, offset + len(rows)
            total = probe.total(getattr(rows[0], _TOTAL)) if probe is not None and rows else None
            if total is not None:
                return rows, total
        # A deep page (counted first: past the end, its OFFSET is not run), a full page without a
        # probe, a page past the end, or a transaction that has written (which counts for itself).
        total = counts.count(queryset)
        if offset >= total:
            return [], total
        return rows or self._fetch(queryset[window], view), total

    @staticmethod
    def _fetch(queryset: QuerySet, view: Any) -> list[Any]:
        """The page's rows: ``.values()`` rows when the view's serializer renders from columns alone."""
        get_serializer_class = getattr(view, "get_serializer_class", None)
        plan = values_plan(get_serializer_class(), queryset) if get_serializer_class is not None else None
        if plan is None:
            return list(queryset)
        return fetch_rows(queryset, plan)

    def get_paginated_response(self, data: Any) -> Response:
        if self.mode == "cursor":
            return Response(
                {"data": data, "per_page": self.per_page, "has_next": self.has_next, "next_cursor": self.next_cursor}
            )
        return Response(
            {
                "data": data,
                "total": self.total,
                "page": self.page,
                "per_page": self.per_page,
                "has_next": self.has_next,
                "has_previous": self.page > 1,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["data", "per_page", "has_next"],
            "properties": {
                "data": schema,
                "total": {"type": "integer", "description": "Exact count (page mode only)."},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "has_next": {"type": "boolean"},
                "has_previous": {"type": "boolean"},
                "next_cursor": {"type": "string", "nullable": True, "description": "Cursor mode only."},
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        def param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
            # An empty value is the default (the first page, 20 per page; cursor: the first page).
            return {
                "name": name,
                "required": False,
                "in": "query",
                "description": description,
                "schema": schema,
                "allowEmptyValue": True,
            }

        return [
            param("page", "1-based page number (page mode).", {"type": "integer", "minimum": 1}),
            param("per_page", "Items per page, 1..100.", {"type": "integer", "minimum": 1, "maximum": 100}),
            param("cursor", "Keyset mode: empty for the first page, then next_cursor.", {"type": "string"}),
        ]

    # --- cursor mode ------------------------------------------------------------------------
    def _paginate_cursor(self, queryset: QuerySet, request: Request, view: Any) -> list[Any]:
        ordering = ordering_of(queryset)
        allowed_first = {"created_at", "-created_at"}
        default = list(getattr(view, "ordering", None) or [])
        if default:
            allowed_first.add(default[0])
        # An ordering filter may rename fields (users: created_at is date_joined); the allowed
        # terms arrive here under their real names.
        aliases: dict[str, str] = {}
        for backend in getattr(view, "filter_backends", None) or []:
            aliases.update(getattr(backend, "aliases", None) or {})
        allowed_first |= {aliases.get(term, term) for term in allowed_first}
        if ordering[0] not in allowed_first:
            raise ValidationError(
                {"ordering": [_("In cursor mode ordering is limited to the default ordering and created_at.")]}
            )
        raw = request.query_params.get("cursor", "")
        if raw:
            values = self._decode(raw, ordering)
            queryset = queryset.filter(self._after(ordering, values, queryset))
        rows = self._fetch(queryset[: self.per_page + 1], view)
        self.has_next = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if self.has_next and rows:
            self.next_cursor = self._encode(queryset.model, rows[-1], ordering)
        return rows

    @staticmethod
    def _field_name(term: str) -> str:
        return term.lstrip("-")

    def _encode(self, model: Any, row: Any, ordering: list[str]) -> str:
        values = []
        for term in ordering:
            # value_to_string reads the attribute, so a model instance and a values Row both work.
            field = model._meta.get_field(self._field_name(term))
            values.append(field.value_to_string(row))
        return signing.dumps({"o": ordering, "v": values}, salt=_CURSOR_SALT, compress=True)

    def _decode(self, raw: str, ordering: list[str]) -> list[str]:
        """The cursor's values, as the encoder wrote them: one string per ordering term.

        Anything else is a ``422``, even under a valid signature (a leaked key must not turn a
        cursor into a 500): the payload is checked for its exact shape here and each value is read
        by ``_value`` before any of it reaches the database.
        """
        try:
            payload = signing.loads(raw, salt=_CURSOR_SALT)
        except Exception:  # noqa: BLE001 - bad signature, bad base64, bad zlib or bad JSON: all the same to a client
            raise ValidationError({"cursor": [_("Invalid cursor.")]}, code="invalid") from None
        if not isinstance(payload, dict) or set(payload) != {"o", "v"} or payload["o"] != ordering:
            raise ValidationError({"cursor": [_("The cursor does not match this ordering.")]}, code="invalid")
        values = payload["v"]
        if (
            not isinstance(values, list)
            or len(values) != len(ordering)
            or not all(isinstance(value, str) for value in values)
        ):
            raise ValidationError({"cursor": [_("Invalid cursor.")]}, code="invalid")
        return values

    @staticmethod
    def _value(field: Any, raw: str) -> Any:
        """A cursor value read as its column's type, or ``ValueError`` when PostgreSQL could not
        compare the column with it (out of range, not finite, text it cannot store)."""
        if len(raw) > _MAX_CURSOR_VALUE or "\x00" in raw:  # PostgreSQL text cannot hold NUL
            raise ValueError(raw)
        raw.encode("utf-8")  # nor a lone surrogate
        if field.get_internal_type() == "DateTimeField":
            # Only what the encoder writes: a full timestamp with its UTC offset, never a bare date
            # or a local time; any offset Python reads is fine once converted (PostgreSQL takes
            # offsets up to 15:59 only, and year 1 at +05:45 is before the calendar starts).
            value = parse_datetime(raw)
            if value is None or value.utcoffset() is None:
                raise ValueError(raw)
            try:
                return value.astimezone(datetime.UTC)
            except OverflowError as exc:
                raise ValueError(raw) from exc
        try:
            value = field.to_python(raw)
        except Exception as exc:
            raise ValueError(raw) from exc
        if value is None:
            raise ValueError(raw)
        if isinstance(value, bool):
            pass
        elif isinstance(value, int):
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(raw)
        elif isinstance(value, decimal.Decimal) and (not value.is_finite() or abs(value.adjusted()) > 1000):
            raise ValueError(raw)
        return value

    def _after(self, ordering: list[str], raw_values: list[str], queryset: QuerySet) -> Q:
        """Rows strictly after the cursor row: (a > x) or (a = x and b > y) or ... with per-term direction."""
        model = queryset.model
        values = []
        for term, raw in zip(ordering, raw_values, strict=True):
            field = model._meta.get_field(self._field_name(term))
            try:
                values.append(self._value(field, raw))
            except (ValueError, UnicodeError):
                raise ValidationError({"cursor": [_("Invalid cursor.")]}, code="invalid") from None
        fields = [model._meta.get_field(self._field_name(term)) for term in ordering]
        descending = {term.startswith("-") for term in ordering}
        if len(ordering) > 1 and len(descending) == 1 and not any(field.null for field in fields):
            # One direction for every term (the common -created_at, -id): a row comparison, which the
            # index on those columns uses as a bound, so a deep page costs what the first one does.
            return Q(
                RowComparison(
                    [F(self._field_name(term)) for term in ordering],
                    "<" if descending == {True} else ">",
                    [Value(value, output_field=field) for value, field in zip(values, fields, strict=True)],
                )
            )
        condition = Q(pk__in=[])
        equal = Q()
        for term, value in zip(ordering, values, strict=True):
            name = self._field_name(term)
            lookup = "lt" if term.startswith("-") else "gt"
            condition |= equal & Q(**{f"{name}__{lookup}": value})
            equal &= Q(**{name: value})
        return condition
