"""Case- and accent-insensitive substring search that trigram indexes can serve.

Every search of the project matches ``UPPER(immutable_unaccent(column)) LIKE UPPER(pattern)``; each
searched column has a ``pg_trgm`` GIN index on exactly that expression (``trigram_index``), so a
search costs a few index pages instead of a scan of the table.

A trigram index cannot narrow a term without a run of three letters or digits (``ab``, ``7``,
``a-b``): the index would have to be read whole. Such terms are matched through the plain
``UNACCENT`` (same result, no index), so the planner walks the ordering index and filters, which is
quick for the common short terms and never worse than before for the rare ones.
"""

from __future__ import annotations

import re

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db.models import F, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Upper

# pg_trgm splits text into words of letters and digits; a term needs one of 3+ to give a trigram.
_TRIGRAM_WORD = re.compile(r"[^\W_]{3}")


class ImmutableUnaccent(Func):
    """``immutable_unaccent(text)`` (core migration 0003): ``unaccent`` usable in an index."""

    function = "immutable_unaccent"
    output_field = TextField()
    arity = 1


class Unaccent(Func):
    """The STABLE ``unaccent``: same values, never matched to an index."""

    function = "UNACCENT"
    output_field = TextField()
    arity = 1


def trigram_index(field: str, name: str) -> GinIndex:
    """The GIN index that serves ``unaccent_search`` on ``field``."""
    return GinIndex(OpClass(Upper(ImmutableUnaccent(F(field))), name="gin_trgm_ops"), name=name)


def has_trigram(term: str) -> bool:
    return _TRIGRAM_WORD.search(term) is not None


def unaccent_search(queryset: QuerySet, text: str, fields: tuple[str, ...] | list[str]) -> QuerySet:
    """Every whitespace-separated term must appear, case- and accent-insensitively, in some field."""
    for index, term in enumerate(text.split()):
        indexed = has_trigram(term)
        function = ImmutableUnaccent if indexed else Unaccent
        prefix = f"_search{'_trgm' if indexed else ''}_{index}"
        queryset = queryset.alias(**{f"{prefix}_{name.replace('__', '_')}": function(F(name)) for name in fields})
        needle = ImmutableUnaccent(Value(term))
        match = Q()
        for name in fields:
            match |= Q(**{f"{prefix}_{name.replace('__', '_')}__icontains": needle})
        queryset = queryset.filter(match)
    return queryset
