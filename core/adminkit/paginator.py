"""The changelist's paginator for tables of a million rows."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from core import counts


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
        return max(counted, counts.planner_estimate(rows))
