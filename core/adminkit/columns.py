"""Changelist columns the database computes with the page's rows."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce


def count_of(children: QuerySet[Any], link: str) -> Coalesce:
    """How many of ``children`` point at the row through ``link`` (0 for none), as an annotation.

    A correlated subquery rather than ``Count`` over a join: the changelist's other joins do not
    multiply it, and its ordering stays the row's own."""
    counted = children.filter(**{link: OuterRef("pk")}).order_by().values(link).annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), 0)
