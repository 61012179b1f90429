"""Small helpers the apps' admin modules share: status badges and per-row service actions."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core import counts
from core.exceptions import ApplicationError, allowed_message

DEFAULT_COLOUR = "#6c757d"
_HEX_COLOUR = re.compile(r"#[0-9a-f]{6}")
# Every colour a badge or button may use, as a class of the admin's colour style sheet
# (``colours_css``, served at ``admin/colours.css``): the Content-Security-Policy allows no style
# attribute. Apps register their palettes when their admin module loads, so every server process
# serves the same sheet whichever pages it rendered.
_COLOURS: dict[str, None] = {DEFAULT_COLOUR: None}


def colour_class(colour: str | None) -> str:
    """The class that paints a background ``colour`` (``#rrggbb``), registering it."""
    colour = (colour or DEFAULT_COLOUR).lower()
    if not _HEX_COLOUR.fullmatch(colour):
        raise ValueError(f"Badge colours are #rrggbb, not {colour!r}.")
    _COLOURS.setdefault(colour)
    return f"colour-{colour[1:]}"


def register_colours(colours: Iterable[str]) -> None:
    for colour in colours:
        colour_class(colour)


def colours_css() -> str:
    """The admin's colour style sheet: the badge's shape and one class per registered colour."""
    lines = [".badge { color: #fff; padding: 2px 8px; border-radius: 10px; font-size: 11px; white-space: nowrap; }"]
    lines += [f".colour-{colour[1:]} {{ background: {colour}; }}" for colour in sorted(_COLOURS)]
    return "\n".join(lines) + "\n"


def badge(kind: str, value: str, label: Any, colour: str | None) -> str:
    """A coloured pill, classed ``<kind>-badge <kind>-<value>`` so tests and styles can find it."""
    return format_html(
        '<span class="{}-badge {}-{} badge {}">{}</span>', kind, kind, value, colour_class(colour), label
    )


def describe_refusal(exc: ApplicationError) -> str:
    """A service's refusal as a clerk should read it: the detail plus what is allowed instead, if known."""
    allowed = next((error.get("allowed") for error in exc.errors if error.get("allowed") is not None), None)
    if allowed is not None:
        return f"{str(exc.detail).rstrip('.')}. {allowed_message(allowed)}."
    return str(exc.detail)


def run_per_row(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    rows: Iterable[tuple[int, str]],
    step: Callable[[int], Any],
    done: Callable[[int], str],
) -> None:
    """Run ``step`` for each ``(pk, label)``, each in its own transaction, and report each refusal;
    one refusal never undoes the others. ``done(n)`` says what happened to the n that went through
    (``3 expedientes moved to Aprobado``), in the active language."""
    succeeded: list[str] = []
    for pk, label in rows:
        try:
            step(pk)
        except ApplicationError as exc:
            message = _("%(row)s: refused — %(reason)s") % {"row": label, "reason": describe_refusal(exc)}
            modeladmin.message_user(request, message, messages.ERROR)
        else:
            succeeded.append(label)
    if succeeded:
        modeladmin.message_user(request, f"{done(len(succeeded))}: {', '.join(succeeded)}.", messages.SUCCESS)


class TalliedPaginator(Paginator):
    """The changelist's count without scanning a million-row table per page.

    Exact from the counters the database keeps when they cover the filters (as the API's page-mode
    total is); otherwise (a search, a date range) rows are counted up to :attr:`exact_up_to`, and
    beyond that the count is the planner's estimate (never below what was counted). Counting a
    search that matches a fifth of a million rows exactly would cost more than the page itself; a
    clerk narrows such a search rather than paging to its end.
    """

    exact_up_to = 10_000

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().count
        exact = counts.exact_count(rows)
        if exact is not None:
            return exact
        counted = rows.order_by()[: self.exact_up_to + 1].count()
        if counted <= self.exact_up_to:
            return counted
        return max(counted, planner_estimate(rows))


def planner_estimate(rows: QuerySet) -> int:
    """The number of rows PostgreSQL's planner expects the queryset to return (no row is read)."""
    plan = json.loads(rows.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class ActionsOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through admin actions (which call the services): no add, no delete,
    and saving the change form writes nothing; "change" is the permission to run the actions."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        return None
