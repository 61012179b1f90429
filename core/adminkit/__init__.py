"""The admin kit every app's admin module builds on.

- :mod:`~core.adminkit.colours`: status badges and button colours (the admin's colour style sheet);
- :mod:`~core.adminkit.readonly`: read-only admins and inlines, and admins that change only through
  their actions;
- :mod:`~core.adminkit.refusals`: a service's refusal becomes a message (change form, delete view,
  per-row actions);
- :mod:`~core.adminkit.columns`: changelist columns the database computes (a count of related rows);
- :mod:`~core.adminkit.paginator`: a changelist count that does not scan a million rows.

A stored file is offered for download by :func:`core.storage.attachment`, the same response for
the admin and the API.
"""

from core.adminkit.colours import DEFAULT_COLOUR, badge, choice_badge, colour_class, colours_css, register_colours
from core.adminkit.columns import count_of
from core.adminkit.paginator import TalliedPaginator
from core.adminkit.readonly import ActionsOnlyAdmin, ReadOnlyAdmin, ReadOnlyInline
from core.adminkit.refusals import ServiceErrorsAsMessages, describe_refusal, run_per_row

__all__ = [
    "DEFAULT_COLOUR",
    "ActionsOnlyAdmin",
    "ReadOnlyAdmin",
    "ReadOnlyInline",
    "ServiceErrorsAsMessages",
    "TalliedPaginator",
    "badge",
    "choice_badge",
    "colour_class",
    "colours_css",
    "count_of",
    "describe_refusal",
    "register_colours",
    "run_per_row",
]
